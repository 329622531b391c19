package tx_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The transaction core knows nothing of Lua: no package it imports,
// directly or through rewire's own packages, is gopher-lua or lua/.
// (The `tx` Lua module lives in bindings/tx/txlua, script running in
// lua/script.)
func TestTxImportsNoLua(t *testing.T) {
	seen := map[string]bool{}
	var walk func(pkg, dir string)
	walk = func(pkg, dir string) {
		if seen[pkg] {
			return
		}
		seen[pkg] = true
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if strings.Contains(path, "gopher-lua") || strings.HasPrefix(path, "rewire/lua") {
					t.Errorf("%s imports %s", f, path)
				}
				if rel, ok := strings.CutPrefix(path, "rewire/"); ok {
					walk(path, filepath.Join("../..", rel))
				}
			}
		}
	}
	walk("rewire/bindings/tx", ".")
	if len(seen) < 2 {
		t.Fatalf("walked only %v", seen)
	}
}
