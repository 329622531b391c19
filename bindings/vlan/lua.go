package vlan

import (
	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

var (
	nameParam = []engine.Param{{Name: "name", Type: "string"}}
	// record is a VLAN interface as get and list return it.
	record = []engine.Field{engine.Key("name", "string"), engine.Key("parent", "string"), engine.Key("id", "integer"), engine.Key("mtu", "integer"),
		engine.Key("mac", "string"), engine.Key("up", "boolean"), engine.Key("master", "string?")}
)

// Module is the `vlan` Lua module.
func Module(s *tx.Session) engine.Module {
	return engine.Module{
		Name: "vlan",
		Doc:  "802.1Q VLAN interfaces (ip link type vlan, vconfig).",
		Funcs: []engine.Func{
			{Name: "create", Params: []engine.Param{{Name: "parent", Type: "string"}, {Name: "id", Type: "integer"}, engine.Options(engine.Opt("name", "string"), engine.Opt("up", "boolean"))},
				Returns: []engine.Result{{Type: "string", Name: "name"}},
				Doc:     "Creates VLAN id on parent, named PARENT.ID unless name= says otherwise, up unless up=false; rollback deletes it.", Fn: func(L *lua.LState) int {
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
			{Name: "delete", Params: nameParam, Doc: "Deletes a VLAN interface; rollback recreates it with its addresses and routes.", Fn: engine.Action1("vlan.delete", func(name string) error { return Delete(s, name) })},
			{Name: "get", Params: nameParam, Returns: []engine.Result{engine.Record(record...)}, Doc: "One VLAN interface.", Fn: func(L *lua.LState) int {
				name := L.CheckString(1)
				in, err := Get(s.Target, name)
				if err != nil {
					return engine.Raise(L, "vlan.get", name, err)
				}
				L.Push(conv.ToLua(L, in))
				return 1
			}},
			{Name: "list", Returns: []engine.Result{engine.Rows(record...)}, Doc: "Every VLAN interface, like ip -d link show type vlan.", Fn: func(L *lua.LState) int {
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
