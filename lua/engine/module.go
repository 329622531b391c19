package engine

import lua "github.com/yuin/gopher-lua"

// Func is one Lua function of a module, declared with its parameters and
// results: `rewire doc`, the REPL's :help and completion, the README's
// API table (`rewire doc --markdown`) and the LuaLS meta file are all
// made from these declarations.
type Func struct {
	Name    string   // "create"
	Params  []Param  // in call order
	Returns []Result // in order; none: returns nothing
	Doc     string   // one or more sentences
	Fn      lua.LGFunction
	// Needs names the capability (CapExec, CapFiles, CapNet) a script
	// must declare and be granted to call it; the engine enforces it.
	Needs string
	// Aliases are older names of this function, kept so that scripts
	// written against them still run: each is the same Lua function,
	// documented as "alias of" this one. Only names that broke the verb
	// rule (verbs.go) are aliases.
	Aliases []string
	// Defers marks a function whose change its module may put off (a
	// loop of calls becomes one change): calling it runs no module's
	// Barrier, while every other function does, first.
	Defers bool
}

// Type is a userdata type a module hands out (e.g. a domain object),
// with methods reached through its metatable's __index.
type Type struct {
	Name     string // metatable name, e.g. "domain"
	Doc      string
	Methods  []Func
	ToString lua.LGFunction // optional __tostring
}

// Module is a Lua module: a table of functions, preloaded so that
// `require "bridge"` works, and also set as a global so recipes read like
// the field procedure (`bridge.create(...)`).
type Module struct {
	Name  string
	Doc   string
	Funcs []Func
	Types []Type
	// Globals are functions set directly as globals (e.g. `check`).
	Globals []Func
	// Barrier, when set, runs what the module put off (see Func.Defers):
	// before any call of a function that does not defer, and at the end
	// of every chunk the engine runs, so no later step, read or check
	// can tell that it was put off.
	Barrier func() error
}

// open builds the module's table and metatables; gate wraps each
// function so that its Needs is enforced at every call. An alias is the
// very same function under a second key.
func (m *Module) open(L *lua.LState, gate func(op string, f Func) lua.LGFunction) *lua.LTable {
	for _, t := range m.Types {
		mt := L.NewTypeMetatable(t.Name)
		methods := L.NewTable()
		for _, f := range t.Methods {
			setAll(methods, f, L.NewFunction(gate(t.Name+":"+f.Name, f)))
		}
		mt.RawSetString("__index", methods)
		if t.ToString != nil {
			mt.RawSetString("__tostring", L.NewFunction(t.ToString))
		}
	}
	tbl := L.NewTable()
	for _, f := range m.Funcs {
		setAll(tbl, f, L.NewFunction(gate(m.Name+"."+f.Name, f)))
	}
	return tbl
}

func setAll(t *lua.LTable, f Func, fn *lua.LFunction) {
	t.RawSetString(f.Name, fn)
	for _, a := range f.Aliases {
		t.RawSetString(a, fn)
	}
}
