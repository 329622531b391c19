package exec

import (
	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

// Module is the `exec` Lua module.
func Module(s *tx.Session) engine.Module {
	return engine.Module{
		Name: "exec",
		Doc:  "Run a program inside the target's namespace (argv only, never a shell); not undoable.",
		Funcs: []engine.Func{
			{Name: "run", Params: []engine.Param{{Name: "argv", Type: "string[]"}, engine.Options(engine.Opt("stdin", "string"), engine.Opt("irreversible", "boolean"))},
				Returns: []engine.Result{engine.Record(engine.Key("code", "integer"), engine.Key("stdout", "string"), engine.Key("stderr", "string"))}, Needs: engine.CapExec,
				Doc: "Runs argv (a list: program, then its arguments) inside the target's namespace, like `ip netns exec NS PROG ARGS`, " +
					"and returns its exit code and output; a non-zero exit is not an error. Rollback cannot undo what a program did, " +
					"so once the transaction holds changes exec.run is refused unless irreversible=true; a plan runs no program.",
				Fn: func(L *lua.LState) int {
					argv, err := argvAt(L, 1)
					name := ""
					if len(argv) > 0 {
						name = argv[0]
					}
					o := conv.OptsAt(L, 2)
					stdin := o.String("stdin", "")
					irreversible := o.Bool("irreversible", false)
					if err == nil {
						err = o.Err()
					}
					if err == nil {
						err = Allowed(s, irreversible)
					}
					var res Result
					if err == nil {
						res, err = Run(L.Context(), s.Target, argv, []byte(stdin))
					}
					if err != nil {
						return engine.Raise(L, "exec.run", name, err)
					}
					L.Push(conv.ToLua(L, res))
					return 1
				}},
		},
	}
}

// argvAt reads a list of strings; anything else is refused rather than
// converted, so a nil in the middle does not silently shorten argv.
func argvAt(L *lua.LState, n int) ([]string, error) {
	t, ok := L.Get(n).(*lua.LTable)
	if !ok {
		return nil, engine.Invalid("argv must be a list of strings, e.g. {\"ip\", \"-br\", \"link\"}")
	}
	var argv []string
	for i := 1; i <= t.Len(); i++ {
		s, ok := t.RawGetInt(i).(lua.LString)
		if !ok {
			return argv, engine.Invalid("argv[%d] is a %s, not a string", i, t.RawGetInt(i).Type())
		}
		argv = append(argv, string(s))
	}
	if len(argv) == 0 || countAll(t) != len(argv) {
		return argv, engine.Invalid("argv must be a non-empty list of strings")
	}
	return argv, nil
}

func countAll(t *lua.LTable) int {
	n := 0
	t.ForEach(func(_, _ lua.LValue) { n++ })
	return n
}
