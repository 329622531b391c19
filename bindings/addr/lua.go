package addr

import (
	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

// devCIDR are the parameters of add and remove.
var devCIDR = []engine.Param{{Name: "dev", Type: "string"}, {Name: "cidr", Type: "string", Doc: "e.g. 10.0.0.111/24 or 2001:db8::1/64"}}

// Module is the `addr` Lua module.
func Module(s *tx.Session) engine.Module {
	return engine.Module{
		Name: "addr",
		Doc:  "Interface addresses (ip addr).",
		Funcs: []engine.Func{
			{Name: "list", Params: []engine.Param{{Name: "dev", Type: "string", Optional: true}},
				Returns: []engine.Result{engine.Rows(engine.Key("dev", "string"), engine.Key("cidr", "string"), engine.Key("family", "string"), engine.Key("scope", "string"), engine.Key("label", "string"))}, Doc: "Addresses of dev, or of every interface.", Fn: func(L *lua.LState) int {
					dev := L.OptString(1, "")
					as, err := List(s.Target, dev)
					if err != nil {
						return engine.Raise(L, "addr.list", dev, err)
					}
					L.Push(engine.Records(L, as, []string{"dev", "cidr", "family", "scope", "label"}))
					return 1
				}},
			{Name: "add", Params: devCIDR, Doc: "Adds an address, e.g. addr.add(\"br0\", \"10.0.0.111/24\").", Fn: engine.Action2("addr.add", func(dev, cidr string) error { return Add(s, dev, cidr) })},
			{Name: "remove", Aliases: []string{"del"}, Params: devCIDR, Doc: "Removes an address; rollback restores it with the routes the kernel dropped along.", Fn: engine.Action2("addr.remove", func(dev, cidr string) error { return Del(s, dev, cidr) })},
			{Name: "flush", Params: []engine.Param{{Name: "dev", Type: "string"}}, Doc: "Removes every global address of dev.", Fn: engine.Action1("addr.flush", func(dev string) error { return Flush(s, dev) })},
			{Name: "move", Params: []engine.Param{{Name: "from", Type: "string"}, {Name: "to", Type: "string"}, engine.Options(engine.Opt("mac", "boolean"), engine.Opt("static", "boolean"))},
				Doc: "Moves every global address and every route of from (default route included) to to; mac=true also gives to from's MAC. The host stays reachable. Each manager lets go of the devices first; a DHCP lease moves with its client (NetworkManager, networkd; needs mac=true), static=true keeps a static copy instead, on purpose.", Fn: func(L *lua.LState) int {
					from, to := L.CheckString(1), L.CheckString(2)
					o := conv.OptsAt(L, 3)
					mo := MoveOptions{MAC: o.Bool("mac", false), Static: o.Bool("static", false)}
					err := o.Err()
					if err == nil {
						err = Move(s, from, to, mo)
					}
					if err != nil {
						return engine.Raise(L, "addr.move", from+" "+to, err)
					}
					return 0
				}},
		},
	}
}
