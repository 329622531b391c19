package repl

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// compiled is a chunk of input ready to run.
type compiled struct {
	fn   *lua.LFunction
	expr bool // compiled as `return <chunk>`: its values are printed
	stmt bool // also valid as a statement, so it can go into a recipe
}

// compile turns src into a function: first as an expression whose value
// is printed (`return <src>`), else as statements. incomplete is true when
// the chunk merely stops early (`for i = 1, 3 do`, an open `{`), so the
// REPL asks for more lines.
func compile(L *lua.LState, src, name string) (c compiled, incomplete bool, err error) {
	stmtFn, stmtErr := L.Load(strings.NewReader(src), name)
	fn, exprErr := L.Load(strings.NewReader("return "+src), name)
	if exprErr == nil {
		return compiled{fn: fn, expr: true, stmt: stmtErr == nil}, false, nil
	}
	if stmtErr != nil {
		return compiled{}, isIncomplete(stmtErr) || isIncomplete(exprErr), stmtErr
	}
	return compiled{fn: stmtFn, stmt: true}, false, nil
}

// isIncomplete reports whether a parse error says the chunk ended too
// soon. gopher-lua puts "at EOF" where its position would be; a plain
// string cannot span lines, so an unterminated one is a real error.
func isIncomplete(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, " at EOF:") && !strings.Contains(msg, "unterminated string")
}

// Complete reports whether src is a whole chunk (or a whole expression)
// that can run now, as opposed to one that needs more lines.
func Complete(src string) bool {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	_, incomplete, _ := compile(L, src, "stdin")
	return !incomplete
}
