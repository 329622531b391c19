// Package txlua is the `tx` Lua module: the transaction core's thin face
// for scripts, kept apart so that bindings/tx knows nothing of Lua.
package txlua

import (
	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// Module is the `tx` Lua module: savepoints and explicit commit/rollback
// for scripts that want them (an uncaught error rolls back by itself).
func Module(s *tx.Session) engine.Module {
	return engine.Module{
		Name: "tx",
		Doc:  "The transaction around this run: savepoints, explicit commit and rollback.",
		Funcs: []engine.Func{
			{Name: "savepoint", Params: []engine.Param{{Name: "name", Type: "string", Optional: true}}, Returns: []engine.Result{{Type: "integer", Name: "sp"}}, Doc: "Marks this point of the transaction; tx.rollback_to(sp) returns to it.", Fn: func(L *lua.LState) int {
				t, err := s.Tx()
				if err != nil {
					return engine.Raise(L, "tx.savepoint", "", err)
				}
				L.Push(lua.LNumber(t.Savepoint(L.OptString(1, ""))))
				return 1
			}},
			{Name: "rollback_to", Params: []engine.Param{{Name: "sp", Type: "integer"}}, Doc: "Undoes, newest first, every change made since savepoint sp.", Fn: func(L *lua.LState) int {
				sp := L.CheckInt(1)
				t := s.Current()
				n := 0
				if t != nil {
					n = len(t.Steps())
				}
				if sp < 0 || sp > n {
					// A negative or future savepoint would undo everything, or nothing, silently.
					return engine.Raise(L, "tx.rollback_to", "", engine.Invalid("no savepoint %d (this transaction has %d changes)", sp, n))
				}
				if t == nil {
					return 0
				}
				if err := t.RollbackTo(sp).Err(); err != nil {
					return engine.Raise(L, "tx.rollback_to", "", err)
				}
				return 0
			}},
			{Name: "commit", Doc: "Commits the changes made so far; later changes open a new transaction.", Fn: func(L *lua.LState) int {
				if _, err := s.Commit(); err != nil {
					return engine.Raise(L, "tx.commit", "", err)
				}
				return 0
			}},
			{Name: "rollback", Doc: "Undoes every change of the open transaction, newest first.", Fn: func(L *lua.LState) int {
				if err := s.Rollback().Err(); err != nil {
					return engine.Raise(L, "tx.rollback", "", err)
				}
				return 0
			}},
			{Name: "list_changes", Aliases: []string{"changes"}, Returns: []engine.Result{engine.Rows(engine.Key("seq", "integer"), engine.Key("desc", "string"), engine.Key("undone", "boolean"))}, Doc: "Lists the open transaction's changes.", Fn: func(L *lua.LState) int {
				out := L.NewTable()
				if t := s.Current(); t != nil {
					for _, st := range t.Steps() {
						r := L.NewTable()
						r.RawSetString("seq", lua.LNumber(st.Seq))
						r.RawSetString("desc", lua.LString(st.Desc))
						r.RawSetString("undone", lua.LBool(st.Undone))
						out.Append(r)
					}
				}
				L.Push(out)
				return 1
			}},
		},
	}
}
