package engine

import (
	"context"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Check is a post-condition a script registers with check(name, fn); the
// runner calls every check after the script, and a failing one rolls the
// whole transaction back.
type Check struct {
	Name string
	Fn   *lua.LFunction
}

// CheckResult is the outcome of one check.
type CheckResult struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	Err  string `json:"error,omitempty"`
}

func (e *Engine) installBuiltins() {
	e.L.SetGlobal("print", e.L.NewFunction(e.luaPrint))
	e.L.SetGlobal("check", e.L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(1)
		fn := L.CheckFunction(2)
		e.checks = append(e.checks, Check{Name: name, Fn: fn})
		return 0
	}))
}

// Builtins documents the globals every engine has.
var Builtins = Module{Name: "_G", Doc: "Globals every script has.", Funcs: []Func{
	{Name: "check", Params: []Param{{Name: "name", Type: "string"}, {Name: "fn", Type: "function"}},
		Doc: "Registers a check: after the script, fn() runs; a false/nil result or an error rolls the whole transaction back."},
	{Name: "print", Params: []Param{{Name: "...", Type: "any"}},
		Doc: "Prints values; tables are laid out (lists of records as columns, like brctl show)."},
	{Name: "require", Params: []Param{{Name: "name", Type: "string"}}, Returns: []Result{{Type: "any"}},
		Doc: "Loads a module: a binding, an embedded stdlib module, or NAME.lua next to the script."},
}}

// luaPrint prints like Lua's print, but lays tables out readably.
func (e *Engine) luaPrint(L *lua.LState) int {
	n := L.GetTop()
	parts := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		parts = append(parts, Format(L, L.Get(i)))
	}
	e.printf("%s\n", strings.Join(parts, "\t"))
	return 0
}

// Checks returns the checks registered so far.
func (e *Engine) Checks() []Check { return e.checks }

// ResetChecks forgets registered checks (after a REPL commit).
func (e *Engine) ResetChecks() { e.checks = nil }

// RunChecks calls every registered check and returns their results;
// ok is false when any failed. Checks run within the engine's limits,
// in the run's (see Limit) if one is in progress; a check that goes past
// a limit is the last one run.
func (e *Engine) RunChecks(ctx context.Context) (results []CheckResult, ok bool) {
	ok = true
	e.bounded(ctx, func(ctx context.Context) *Error {
		for _, c := range e.checks {
			r := e.runCheck(ctx, c)
			ok = ok && r.OK
			results = append(results, r)
			if LimitExceeded(ctx) != nil {
				break
			}
		}
		return nil
	})
	return results, ok
}

func (e *Engine) runCheck(ctx context.Context, c Check) CheckResult {
	r := CheckResult{Name: c.Name, OK: true}
	if ctx != nil {
		e.L.SetContext(ctx)
		defer e.L.RemoveContext()
	}
	if err := e.L.CallByParam(lua.P{Fn: c.Fn, NRet: 1, Protect: true}); err != nil {
		lerr := LimitExceeded(ctx)
		if lerr == nil {
			lerr = FromLua(ctx, err)
		}
		r.OK, r.Err = false, lerr.Error()
		return r
	}
	v := e.L.Get(-1)
	e.L.Pop(1)
	if !lua.LVAsBool(v) {
		r.OK, r.Err = false, "returned "+v.String()
	}
	return r
}
