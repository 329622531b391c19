package bridge

import (
	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

var (
	nameParam   = []engine.Param{{Name: "name", Type: "string"}}
	bridgeParam = []engine.Param{{Name: "bridge", Type: "string"}}
	bridgePort  = []engine.Param{{Name: "bridge", Type: "string"}, {Name: "port", Type: "string"}}
	// record is a bridge as get and list return it, like brctl show (stp: yes or no).
	record = []engine.Field{engine.Key("bridge", "string"), engine.Key("id", "string"), engine.Key("stp", "string"), engine.Key("interfaces", "string[]"), engine.Key("forward_delay", "integer")}
)

// Module is the `bridge` Lua module.
func Module(s *tx.Session) engine.Module {
	return engine.Module{
		Name: "bridge",
		Doc:  "Linux bridges (brctl / ip link type bridge).",
		Funcs: []engine.Func{
			{Name: "create", Params: []engine.Param{{Name: "name", Type: "string"}, {Name: "opts", Type: "table", Optional: true, Doc: "forward_delay in seconds",
				Fields: []engine.Field{engine.Opt("stp", "boolean"), engine.Opt("forward_delay", "integer"), engine.Opt("mac", "string"), engine.Opt("mtu", "integer"), engine.Opt("up", "boolean")}}},
				Doc: "Creates a bridge (up unless up=false); rollback deletes it.", Fn: func(L *lua.LState) int {
					name := L.CheckString(1)
					o := conv.OptsAt(L, 2)
					var opt Options
					if o.Has("stp") {
						v := o.Bool("stp", false)
						opt.STP = &v
					}
					if o.Has("forward_delay") {
						v := o.Int("forward_delay", 0)
						opt.ForwardDelay = &v
					}
					if o.Has("up") {
						v := o.Bool("up", true)
						opt.Up = &v
					}
					opt.MAC = o.String("mac", "")
					opt.MTU = o.Int("mtu", 0)
					err := o.Err()
					if err == nil {
						err = Create(s, name, opt)
					}
					if err != nil {
						return engine.Raise(L, "bridge.create", name, err)
					}
					return 0
				}},
			{Name: "delete", Params: nameParam, Doc: "Deletes a bridge; rollback recreates it with its ports, addresses and routes.", Fn: engine.Action1("bridge.delete", func(name string) error { return Delete(s, name) })},
			{Name: "add_port", Params: bridgePort, Doc: "Enslaves port to the bridge and brings it up (brctl addif).", Fn: engine.Action2("bridge.add_port", func(br, port string) error { return AddPort(s, br, port) })},
			{Name: "remove_port", Params: bridgePort, Doc: "Releases port from the bridge (brctl delif).", Fn: engine.Action2("bridge.remove_port", func(br, port string) error { return RemovePort(s, br, port) })},
			{Name: "list_ports", Aliases: []string{"ports"}, Params: bridgeParam, Returns: []engine.Result{{Type: "string[]"}}, Doc: "The bridge's ports.", Fn: func(L *lua.LState) int {
				br := L.CheckString(1)
				ps, err := Ports(s.Target, br)
				if err != nil {
					return engine.Raise(L, "bridge.list_ports", br, err)
				}
				L.Push(conv.ToLua(L, ps))
				return 1
			}},
			{Name: "get", Params: bridgeParam, Returns: []engine.Result{engine.Record(record...)}, Doc: "One bridge, as brctl show prints it.", Fn: func(L *lua.LState) int {
				br := L.CheckString(1)
				b, err := Get(s.Target, br)
				if err != nil {
					return engine.Raise(L, "bridge.get", br, err)
				}
				L.Push(conv.ToLua(L, b))
				return 1
			}},
			{Name: "list", Returns: []engine.Result{engine.Rows(record...)}, Doc: "Every bridge, like brctl show.", Fn: func(L *lua.LState) int {
				bs, err := List(s.Target)
				if err != nil {
					return engine.Raise(L, "bridge.list", "", err)
				}
				L.Push(engine.Records(L, bs, []string{"bridge", "id", "stp", "interfaces"}))
				return 1
			}},
		},
	}
}
