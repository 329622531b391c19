package virtnet

import (
	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

// Columns is the order `print(network.list())` lays the records out in.
var Columns = []string{"name", "active", "autostart", "bridge", "forward"}

// LeaseColumns is the order of `print(network.list_leases(name))`.
var LeaseColumns = []string{"mac", "ip", "prefix", "hostname", "expiry", "iface"}

var (
	nameParam = []engine.Param{{Name: "name", Type: "string"}}
	// row is a network as list returns it (forward: nat, route, bridge, ... or none).
	row = []engine.Field{engine.Key("name", "string"), engine.Key("active", "boolean"), engine.Key("autostart", "boolean"), engine.Key("bridge", "string"), engine.Key("forward", "string")}
)

// Module is the `network` Lua module (libvirt networks).
func Module(s *tx.Session) engine.Module {
	name1 := func(L *lua.LState, op string, f func(string) error) int {
		name := L.CheckString(1)
		if err := f(name); err != nil {
			return engine.Raise(L, op, name, err)
		}
		return 0
	}
	return engine.Module{
		Name: "network",
		Doc:  "libvirt networks (virsh net-*), their DHCP reservations and leases.",
		Funcs: []engine.Func{
			{Name: "list", Returns: []engine.Result{engine.Rows(row...)},
				Doc: "Every libvirt network, like `virsh net-list --all`.", Fn: func(L *lua.LState) int {
					all, err := List(s.Target)
					if err != nil {
						return engine.Raise(L, "network.list", "", err)
					}
					L.Push(engine.Records(L, all, Columns))
					return 1
				}},
			{Name: "get", Params: nameParam, Returns: []engine.Result{engine.Record(append(row, engine.Key("uuid", "string"), engine.Key("persistent", "boolean"),
				engine.Key("ips", "{address: string, prefix: integer, ranges: {start: string, end: string}[], hosts: {mac: string, ip?: string, name?: string}[]}[]"), engine.Key("xml", "string"))...)},
				Doc: "One network, like `virsh net-info` with `net-dumpxml` parsed; forward is nat, route, bridge, ... or none (isolated).", Fn: func(L *lua.LState) int {
					name := L.CheckString(1)
					in, err := Get(s.Target, name)
					if err != nil {
						return engine.Raise(L, "network.get", name, err)
					}
					L.Push(conv.ToLua(L, in))
					return 1
				}},
			{Name: "define", Params: []engine.Param{{Name: "xml", Type: "string"}}, Returns: []engine.Result{{Type: "string", Name: "name"}},
				Doc: "`virsh net-define`: defines a network or redefines one of the same name (keeping its UUID); rollback restores the old definition.", Fn: func(L *lua.LState) int {
					name, err := Define(s, L.CheckString(1))
					if err != nil {
						return engine.Raise(L, "network.define", name, err)
					}
					L.Push(lua.LString(name))
					return 1
				}},
			{Name: "undefine", Params: nameParam, Doc: "`virsh net-undefine`: removes the definition (a running network keeps running).", Fn: func(L *lua.LState) int {
				return name1(L, "network.undefine", func(n string) error { return Undefine(s, n) })
			}},
			{Name: "start", Params: nameParam, Doc: "`virsh net-start`: brings the network's bridge, DHCP and firewall rules up.", Fn: func(L *lua.LState) int {
				return name1(L, "network.start", func(n string) error { return Start(s, n) })
			}},
			{Name: "destroy", Params: nameParam, Doc: "`virsh net-destroy`: stops a persistent network.", Fn: func(L *lua.LState) int {
				return name1(L, "network.destroy", func(n string) error { return Destroy(s, n) })
			}},
			{Name: "set_autostart", Params: []engine.Param{{Name: "name", Type: "string"}, {Name: "on", Type: "boolean"}}, Doc: "`virsh net-autostart [--disable]`.", Fn: func(L *lua.LState) int {
				on := L.CheckBool(2)
				return name1(L, "network.set_autostart", func(n string) error { return SetAutostart(s, n, on) })
			}},
			{Name: "add_dhcp_host", Aliases: []string{"dhcp_host_add"}, Params: []engine.Param{{Name: "name", Type: "string"},
				{Name: "host", Type: "table", Fields: []engine.Field{engine.Key("mac", "string"), engine.Key("ip", "string"), engine.Opt("name", "string")}}},
				Doc: "`virsh net-update NAME add ip-dhcp-host --live --config`: a static DHCP reservation.", Fn: func(L *lua.LState) int {
					name := L.CheckString(1)
					o := conv.OptsAt(L, 2)
					h := Host{MAC: o.String("mac", ""), IP: o.String("ip", ""), Name: o.String("name", "")}
					err := o.Err()
					if err == nil {
						err = DHCPHostAdd(s, name, h)
					}
					if err != nil {
						return engine.Raise(L, "network.add_dhcp_host", name+" "+h.MAC, err)
					}
					return 0
				}},
			{Name: "remove_dhcp_host", Aliases: []string{"dhcp_host_remove"}, Params: []engine.Param{{Name: "name", Type: "string"}, {Name: "mac", Type: "string"}},
				Doc: "`virsh net-update NAME delete ip-dhcp-host --live --config`: drops the reservation of a MAC.", Fn: engine.Action2("network.remove_dhcp_host", func(name, mac string) error { return DHCPHostRemove(s, name, mac) })},
			{Name: "list_leases", Aliases: []string{"leases"}, Params: nameParam, Returns: []engine.Result{engine.Rows(engine.Key("mac", "string"), engine.Key("ip", "string"),
				engine.Key("prefix", "integer"), engine.Key("hostname", "string?"), engine.Key("expiry", "integer"), engine.Key("iface", "string"))},
				Doc: "`virsh net-dhcp-leases NAME`.", Fn: func(L *lua.LState) int {
					name := L.CheckString(1)
					ls, err := Leases(s.Target, name)
					if err != nil {
						return engine.Raise(L, "network.list_leases", name, err)
					}
					L.Push(engine.Records(L, ls, LeaseColumns))
					return 1
				}},
		},
	}
}
