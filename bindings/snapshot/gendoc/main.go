// Command gendoc writes docs/snapshot-format.md from the snapshot
// format's Go types (run from the repository's root).
package main

import (
	"fmt"
	"os"

	"rewire/bindings/snapshot"
)

func main() {
	src, err := os.ReadFile("bindings/snapshot/format.go")
	if err == nil {
		var doc string
		if doc, err = snapshot.FormatDoc(src); err == nil {
			err = os.WriteFile("docs/snapshot-format.md", []byte(doc), 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}
