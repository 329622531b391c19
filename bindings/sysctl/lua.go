package sysctl

import (
	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// Module is the `sysctl` Lua module.
func Module(s *tx.Session) engine.Module {
	return engine.Module{
		Name: "sysctl",
		Doc:  "Kernel parameters of the target's namespace (sysctl).",
		Funcs: []engine.Func{
			{Name: "get", Params: []engine.Param{{Name: "key", Type: "string"}}, Returns: []engine.Result{{Type: "string"}}, Doc: "`sysctl -n KEY`, e.g. sysctl.get(\"net.ipv4.ip_forward\").", Fn: func(L *lua.LState) int {
				key := L.CheckString(1)
				v, err := Get(s.Target, key)
				if err != nil {
					return engine.Raise(L, "sysctl.get", key, err)
				}
				L.Push(lua.LString(v))
				return 1
			}},
			{Name: "set", Params: []engine.Param{{Name: "key", Type: "string"}, {Name: "value", Type: "string|number|boolean"}}, Doc: "`sysctl -w KEY=VALUE`; rollback restores the prior value.", Fn: func(L *lua.LState) int {
				key := L.CheckString(1)
				val := L.CheckAny(2).String()
				if err := Set(s, key, val); err != nil {
					return engine.Raise(L, "sysctl.set", key, err)
				}
				return 0
			}},
		},
	}
}
