package snapshot

import (
	"os"
	"testing"
)

// docs/snapshot-format.md is what the format's Go types say.
func TestFormatDocIsCurrent(t *testing.T) {
	src, err := os.ReadFile("format.go")
	if err != nil {
		t.Fatal(err)
	}
	want, err := FormatDoc(src)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile("../../docs/snapshot-format.md")
	if string(got) != want {
		t.Errorf("docs/snapshot-format.md is stale: go run ./bindings/snapshot/gendoc")
	}
}
