//go:build cgo

package modules

import (
	"os"
	"strings"
	"testing"

	"rewire/lua/engine"
)

// The README's API table and verb rule are `rewire doc --markdown`: they
// are made from the same declarations as `rewire doc`, :help and the
// LuaLS file, so a function added, renamed or retyped shows up in all.
func TestREADMEHasTheGeneratedAPITable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := engine.Markdown(Documented())
	section := string(readme)
	if i := strings.Index(section, "## The Lua API\n"); i >= 0 {
		section = section[i:]
	} else {
		t.Fatal(`README.md has no "## The Lua API" section`)
	}
	if !strings.Contains(section, "\n"+want+"\n") {
		t.Errorf("README.md's API table differs from `rewire doc --markdown`; replace it with:\n%s", want)
	}
}
