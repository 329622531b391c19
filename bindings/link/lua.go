package link

import (
	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

// Columns is the order `print(link.list())` lays the records out in.
var Columns = []string{"name", "index", "kind", "mtu", "mac", "up", "oper", "master", "slaves"}

// Module is the `link` Lua module.
func Module(s *tx.Session) engine.Module {
	return engine.Module{
		Name: "link",
		Doc:  "Network interfaces (ip link): list, get, set, delete.",
		Funcs: []engine.Func{
			{Name: "list", Returns: "{ {name=, index=, kind=, mtu=, mac=, up=, master=, slaves=} }",
				Doc: "Every interface, like `ip -d link show`.", Fn: func(L *lua.LState) int {
					all, err := List(s.Target)
					if err != nil {
						return engine.Raise(L, "link.list", "", err)
					}
					L.Push(engine.Records(L, all, Columns))
					return 1
				}},
			{Name: "get", Args: "name", Returns: "{name=, index=, kind=, mtu=, mac=, up=, master=, slaves=}",
				Doc: "One interface, like `ip -d link show NAME`.", Fn: func(L *lua.LState) int {
					name := L.CheckString(1)
					in, err := Get(s.Target, name)
					if err != nil {
						return engine.Raise(L, "link.get", name, err)
					}
					L.Push(conv.ToLua(L, in))
					return 1
				}},
			{Name: "exists", Args: "name", Returns: "boolean", Doc: "Whether an interface of that name exists.", Fn: func(L *lua.LState) int {
				L.Push(lua.LBool(Exists(s.Target, L.CheckString(1))))
				return 1
			}},
			{Name: "set", Args: "name, {up=bool, mtu=int, mac=string, name=string, master=string|false}",
				Doc: "`ip link set`: changes only the given attributes; master=false releases the link from its master.", Fn: func(L *lua.LState) int {
					name := L.CheckString(1)
					set, err := SettingsFrom(L, 2)
					if err == nil {
						err = Set(s, name, set)
					}
					if err != nil {
						return engine.Raise(L, "link.set", name, err)
					}
					return 0
				}},
			{Name: "delete", Args: "name", Doc: "`ip link delete`: for links rewire can recreate on rollback (bridges, bonds, VLANs).", Fn: engine.Action1("link.delete", func(name string) error { return Delete(s, name) })},
		},
	}
}

// SettingsFrom reads a Settings table at stack index n.
func SettingsFrom(L *lua.LState, n int) (Settings, error) {
	o := conv.OptsAt(L, n)
	var set Settings
	if o.Has("up") {
		v := o.Bool("up", false)
		set.Up = &v
	}
	if o.Has("mtu") {
		v := o.Int("mtu", 0)
		set.MTU = &v
	}
	if o.Has("mac") {
		v := o.String("mac", "")
		set.MAC = &v
	}
	if o.Has("name") {
		v := o.String("name", "")
		set.Name = &v
	}
	if o.Has("master") {
		var v string
		if b, ok := L.CheckTable(n).RawGetString("master").(lua.LBool); ok && !bool(b) {
			v = ""
		} else {
			v = o.String("master", "")
		}
		set.Master = &v
	}
	return set, o.Err()
}
