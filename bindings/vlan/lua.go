package vlan

import (
	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

// Module is the `vlan` Lua module.
func Module(s *tx.Session) engine.Module {
	return engine.Module{
		Name: "vlan",
		Doc:  "802.1Q VLAN interfaces (ip link type vlan, vconfig): create, delete, get, list.",
		Funcs: []engine.Func{
			{Name: "create", Args: "parent, id, {name=string, up=bool}", Returns: "name",
				Doc: "Creates VLAN id on parent, named PARENT.ID unless name= says otherwise, up unless up=false; rollback deletes it.", Fn: func(L *lua.LState) int {
					parent, id := L.CheckString(1), L.CheckInt(2)
					o := conv.OptsAt(L, 3)
					opt := Options{Name: o.String("name", "")}
					if o.Has("up") {
						v := o.Bool("up", true)
						opt.Up = &v
					}
					err := o.Err()
					if err == nil {
						err = Create(s, parent, id, opt)
					}
					if err != nil {
						return engine.Raise(L, "vlan.create", parent+" "+L.Get(2).String(), err)
					}
					name := opt.Name
					if name == "" {
						name = parent + "." + L.Get(2).String()
					}
					L.Push(lua.LString(name))
					return 1
				}},
			{Name: "delete", Args: "name", Doc: "Deletes a VLAN interface; rollback recreates it with its addresses and routes.", Fn: engine.Action1("vlan.delete", func(name string) error { return Delete(s, name) })},
			{Name: "get", Args: "name", Returns: "{name=, parent=, id=, mtu=, mac=, up=, master=}", Doc: "One VLAN interface.", Fn: func(L *lua.LState) int {
				name := L.CheckString(1)
				in, err := Get(s.Target, name)
				if err != nil {
					return engine.Raise(L, "vlan.get", name, err)
				}
				L.Push(conv.ToLua(L, in))
				return 1
			}},
			{Name: "list", Returns: "{ {name=, parent=, id=, mtu=, mac=, up=, master=} }", Doc: "Every VLAN interface, like ip -d link show type vlan.", Fn: func(L *lua.LState) int {
				all, err := List(s.Target)
				if err != nil {
					return engine.Raise(L, "vlan.list", "", err)
				}
				L.Push(engine.Records(L, all, []string{"name", "parent", "id", "mtu", "mac", "up", "master"}))
				return 1
			}},
		},
	}
}
