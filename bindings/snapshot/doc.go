package snapshot

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strconv"
	"strings"
)

// FormatDoc renders the format's documentation (docs/snapshot-format.md)
// from format.go's source: the package comment, then each type with its
// doc comment and a table of its JSON fields and their comments.
func FormatDoc(src []byte) (string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "format.go", src, parser.ParseComments)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("# The snapshot format\n\n")
	b.WriteString("<!-- generated from bindings/snapshot/format.go by `go run ./bindings/snapshot/gendoc`; do not edit -->\n\n")
	b.WriteString(paragraphs(f.Doc.Text()) + "\n")
	fmt.Fprintf(&b, "The current version is **%d**.\n", Version)
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		for _, sp := range g.Specs {
			ts := sp.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			doc := g.Doc.Text()
			if ts.Doc != nil {
				doc = ts.Doc.Text()
			}
			fmt.Fprintf(&b, "\n## %s\n\n%s\n| field | type | meaning |\n|---|---|---|\n", ts.Name.Name, paragraphs(doc))
			for _, fl := range st.Fields.List {
				tag := ""
				if fl.Tag != nil {
					v, _ := strconv.Unquote(fl.Tag.Value)
					tag, _, _ = strings.Cut(reflect.StructTag(v).Get("json"), ",")
				}
				text := strings.TrimSpace(fl.Doc.Text() + " " + fl.Comment.Text())
				fmt.Fprintf(&b, "| `%s` | %s | %s |\n", tag, typeText(fl.Type), strings.Join(strings.Fields(text), " "))
			}
		}
	}
	return b.String(), nil
}

// paragraphs keeps a comment's paragraphs, each joined onto one line.
func paragraphs(s string) string {
	var out []string
	for _, p := range strings.Split(strings.TrimSpace(s), "\n\n") {
		out = append(out, strings.Join(strings.Fields(p), " "))
	}
	return strings.Join(out, "\n\n") + "\n"
}

func typeText(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.StarExpr:
		return typeText(t.X) + " (optional)"
	case *ast.ArrayType:
		return "list of " + typeText(t.Elt)
	case *ast.MapType:
		return "map " + typeText(t.Key) + " → " + typeText(t.Value)
	}
	return fmt.Sprint(e)
}
