package host

import (
	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

// ManagerColumns and DeviceColumns are the orders print() lays them out in.
var (
	ManagerColumns = []string{"name", "version", "running", "devices"}
	DeviceColumns  = []string{"name", "manager", "state", "profile", "addresses", "zone"}
)

// Module is the `host` Lua module, reading the roots RootsFor gives the
// session's target.
func Module(s *tx.Session) engine.Module { return ModuleAt(s, nil) }

// ModuleAt is Module with fixed roots (nil: RootsFor(target) at each call).
func ModuleAt(s *tx.Session, roots *Roots) engine.Module {
	rootsOf := func() Roots {
		if roots != nil {
			return *roots
		}
		return RootsFor(s.Target)
	}
	return engine.Module{
		Name: "host",
		Doc:  "Who manages the host's network devices and how each address came (read-only): NetworkManager, systemd-networkd, ifupdown, netplan, network-scripts, firewalld and its zones.",
		Funcs: []engine.Func{
			{Name: "list_managers", Aliases: []string{"managers"}, Returns: []engine.Result{engine.Rows(
				engine.Key("name", "string"), engine.Key("version", "string"), engine.Key("running", "boolean"), engine.Key("devices", "string[]"))},
				Doc: "The network managers and what each manages now, like `nmcli general` + `networkctl list` + `ifquery --state`.", Fn: func(L *lua.LState) int {
					ms, err := Managers(s.Target, rootsOf())
					if err != nil {
						return engine.Raise(L, "host.list_managers", "", err)
					}
					L.Push(engine.Records(L, ms, ManagerColumns))
					return 1
				}},
			{Name: "get_device", Aliases: []string{"device"}, Params: []engine.Param{{Name: "name", Type: "string"}}, Returns: []engine.Result{deviceRecord},
				Doc: "Who manages one device, like `nmcli device show` / `networkctl status` / `ifquery --state`: manager is NetworkManager, systemd-networkd, ifupdown, network-scripts or none; each address's origin is static, dhcp, slaac, dhcpv6 or link, valid_lft seconds left or \"forever\".", Fn: func(L *lua.LState) int {
					name := L.CheckString(1)
					d, err := DeviceOf(s.Target, rootsOf(), name)
					if err != nil {
						return engine.Raise(L, "host.get_device", name, err)
					}
					L.Push(deviceToLua(L, d))
					return 1
				}},
			{Name: "get_firewalld", Returns: []engine.Result{firewalldRecord},
				Doc: "firewalld as it runs in the target's namespace, like `firewall-cmd --version`, `--get-default-zone`, `--get-zones` and `--get-active-zones`: running false (and nothing else) when it does not run; active maps each zone with interfaces to them. A device's zone is host.get_device(name).zone.", Fn: func(L *lua.LState) int {
					st, err := FirewalldOf(s.Target, rootsOf())
					if err != nil {
						return engine.Raise(L, "host.get_firewalld", "", err)
					}
					L.Push(conv.ToLua(L, st))
					return 1
				}},
			{Name: "list_devices", Aliases: []string{"devices"}, Returns: []engine.Result{{Type: "table[]", Fields: deviceRecord.Fields}},
				Doc: "host.get_device for every device, like `nmcli device status`.", Fn: func(L *lua.LState) int {
					ds, err := Devices(s.Target, rootsOf())
					if err != nil {
						return engine.Raise(L, "host.list_devices", "", err)
					}
					t := engine.Records(L, ds, DeviceColumns)
					t.ForEach(func(_, v lua.LValue) { foreverAddrs(v) })
					L.Push(t)
					return 1
				}},
		},
	}
}

// firewalldRecord is what get_firewalld returns.
var firewalldRecord = engine.Record(
	engine.Key("running", "boolean"), engine.Opt("version", "string"), engine.Opt("backend", "string"),
	engine.Opt("default_zone", "string"), engine.Opt("zones", "string[]"), engine.Opt("active", "table<string, string[]>"))

// deviceRecord is what get_device returns, as the docs declare it.
var deviceRecord = engine.Record(
	engine.Key("name", "string"), engine.Key("manager", "string"), engine.Opt("frontend", "string"),
	engine.Key("state", "string"), engine.Opt("profile", "string"), engine.Opt("uuid", "string"),
	engine.Opt("file", "string"), engine.Opt("zone", "string"), engine.Opt("claims", "string[]"),
	engine.Key("addresses", "{cidr: string, origin: string, client?: string, lease?: string, valid_lft: integer|string}[]"))

func deviceToLua(L *lua.LState, d Device) lua.LValue {
	v := conv.ToLua(L, d)
	foreverAddrs(v)
	return v
}

// foreverAddrs writes "forever" for lifetimes that never end, as `ip
// addr` does.
func foreverAddrs(dev lua.LValue) {
	t, ok := dev.(*lua.LTable)
	if !ok {
		return
	}
	addrs, ok := t.RawGetString("addresses").(*lua.LTable)
	if !ok {
		return
	}
	addrs.ForEach(func(_, a lua.LValue) {
		at, ok := a.(*lua.LTable)
		if !ok {
			return
		}
		for _, k := range []string{"valid_lft", "preferred_lft"} {
			if n, ok := at.RawGetString(k).(lua.LNumber); ok && int(n) == Forever {
				at.RawSetString(k, lua.LString("forever"))
			}
		}
	})
}
