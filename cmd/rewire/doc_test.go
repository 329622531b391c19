package main

import (
	"io"
	"os"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/modules"
	"rewire/lua/engine"
	"rewire/lua/repl"
)

// stdoutOf runs f and returns what it printed.
func stdoutOf(t *testing.T, f func() int) (string, int) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	code := f()
	os.Stdout = old
	w.Close()
	return <-done, code
}

// `rewire doc` in each form prints what the declarations render to: the
// same text :help shows (engine.Doc), the README table (engine.Markdown,
// which README.md must hold), the LuaLS file.
func TestDocRendersTheDeclarations(t *testing.T) {
	mods := modules.Documented()
	for _, tc := range []struct {
		args []string
		want func() string
	}{
		{[]string{"--markdown"}, func() string { return engine.Markdown(mods) }},
		{[]string{"--luals"}, func() string { return repl.LuaLS(mods) }},
		{[]string{"addr.del"}, func() string { s, _ := engine.Doc(mods, "addr.del"); return s }},
		{[]string{"bridge"}, func() string { s, _ := engine.Doc(mods, "bridge"); return s }},
	} {
		got, code := stdoutOf(t, func() int { return runDoc(tc.args) })
		if want := tc.want(); code != 0 || got != want {
			t.Errorf("rewire doc %s: exit %d, printed\n%s\nwant\n%s", strings.Join(tc.args, " "), code, got, want)
		}
	}
	L := lua.NewState()
	defer L.Close()
	if _, err := L.LoadString(repl.LuaLS(mods)); err != nil {
		t.Errorf("rewire doc --luals is not a Lua file: %v", err)
	}
	got, _ := stdoutOf(t, func() int { return runDoc([]string{"addr.del"}) })
	for _, want := range []string{"addr.remove(dev: string, cidr: string)", "addr.del\n      alias of addr.remove"} {
		if !strings.Contains(got, want) {
			t.Errorf("rewire doc addr.del lacks %q:\n%s", want, got)
		}
	}
}
