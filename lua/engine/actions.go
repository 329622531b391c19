package engine

import lua "github.com/yuin/gopher-lua"

// Action1 is a Lua function of one string (a name) that changes
// something and returns nothing, as most primitives' delete is: an error
// is raised for op with the name as its object.
func Action1(op string, f func(name string) error) lua.LGFunction {
	return func(L *lua.LState) int {
		name := L.CheckString(1)
		if err := f(name); err != nil {
			return Raise(L, op, name, err)
		}
		return 0
	}
}

// Action2 is Action1 for two strings (bridge and port, bond and slave,
// device and address); the error's object names both.
func Action2(op string, f func(a, b string) error) lua.LGFunction {
	return func(L *lua.LState) int {
		a, b := L.CheckString(1), L.CheckString(2)
		if err := f(a, b); err != nil {
			return Raise(L, op, a+" "+b, err)
		}
		return 0
	}
}
