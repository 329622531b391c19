package link

import (
	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

// Columns is the order `print(link.list())` lays the records out in.
var Columns = []string{"name", "index", "kind", "mtu", "mac", "up", "oper", "master", "slaves"}

var (
	nameParam = []engine.Param{{Name: "name", Type: "string"}}
	// record is an interface as get and list return it.
	record = []engine.Field{engine.Key("name", "string"), engine.Key("index", "integer"), engine.Key("kind", "string"), engine.Key("mtu", "integer"),
		engine.Key("mac", "string"), engine.Key("up", "boolean"), engine.Key("oper", "string"), engine.Key("master", "string?"), engine.Key("slaves", "string[]?")}
)

// Module is the `link` Lua module.
func Module(s *tx.Session) engine.Module {
	return engine.Module{
		Name: "link",
		Doc:  "Network interfaces (ip link).",
		Funcs: []engine.Func{
			{Name: "list", Returns: []engine.Result{engine.Rows(record...)},
				Doc: "Every interface, like `ip -d link show`.", Fn: func(L *lua.LState) int {
					all, err := List(s.Target)
					if err != nil {
						return engine.Raise(L, "link.list", "", err)
					}
					L.Push(engine.Records(L, all, Columns))
					return 1
				}},
			{Name: "get", Params: nameParam, Returns: []engine.Result{engine.Record(record...)},
				Doc: "One interface, like `ip -d link show NAME`.", Fn: func(L *lua.LState) int {
					name := L.CheckString(1)
					in, err := Get(s.Target, name)
					if err != nil {
						return engine.Raise(L, "link.get", name, err)
					}
					L.Push(conv.ToLua(L, in))
					return 1
				}},
			{Name: "exists", Params: nameParam, Returns: []engine.Result{{Type: "boolean"}}, Doc: "Whether an interface of that name exists.", Fn: func(L *lua.LState) int {
				L.Push(lua.LBool(Exists(s.Target, L.CheckString(1))))
				return 1
			}},
			{Name: "set", Params: []engine.Param{{Name: "name", Type: "string"}, {Name: "opts", Type: "table",
				Fields: []engine.Field{engine.Opt("up", "boolean"), engine.Opt("mtu", "integer"), engine.Opt("mac", "string"), engine.Opt("name", "string"), engine.Opt("master", "string|false")}}},
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
			{Name: "delete", Params: nameParam, Doc: "`ip link delete`: for links rewire can recreate on rollback (bridges, bonds, VLANs).", Fn: engine.Action1("link.delete", func(name string) error { return Delete(s, name) })},
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
