package dnsmasq

import (
	"strings"

	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

// Module is the `dnsmasq` Lua module.
func Module(s *tx.Session) engine.Module {
	return engine.Module{
		Name: "dnsmasq",
		Doc:  "DHCP for VM bridges (dnsmasq): leases, get, serve, reserve, unreserve, status.",
		Funcs: []engine.Func{
			{Name: "leases", Args: "[bridge_or_path]", Returns: "{ {bridge=, mac=, ip=, hostname=, domain=, expiry=, client_id=} }",
				Doc: "DHCP leases of a bridge (served by rewire, or a libvirt network's <bridge>.status), of a lease file, or of every bridge when omitted; like `virsh net-dhcp-leases`.",
				Fn: func(L *lua.LState) int {
					which := L.OptString(1, "")
					ls, err := Leases(stateRoot(s), which)
					if err != nil {
						return engine.Raise(L, "dnsmasq.leases", which, err)
					}
					L.Push(engine.Records(L, ls, Columns))
					return 1
				}},
			{Name: "get", Args: "mac_ip_or_hostname, [bridge_or_path]", Returns: "{mac=, ip=, hostname=, ...} or nil",
				Doc: "The lease of one client, found by MAC, IP or hostname (in every known lease file when no bridge or path is given).",
				Fn: func(L *lua.LState) int {
					key, which := L.CheckString(1), L.OptString(2, "")
					ls, err := Leases(stateRoot(s), which)
					if err != nil {
						return engine.Raise(L, "dnsmasq.get", key, err)
					}
					if l, ok := Find(ls, key); ok {
						L.Push(conv.ToLua(L, l))
					} else {
						L.Push(lua.LNil)
					}
					return 1
				}},
			{Name: "serve", Args: "bridge, {range={first,last}|\"first-last\", router=, dns={...}, lease_time=, dns_server=bool, hosts={ {mac=, ip=, name=} }}",
				Doc: "Runs a dnsmasq handing out DHCP leases on the bridge (DHCP only unless dns_server=true), as libvirt does for a network; it outlives rewire. Rollback stops it and removes its files.",
				Fn: func(L *lua.LState) int {
					br := L.CheckString(1)
					o, err := optionsFrom(L, 2)
					if err == nil {
						err = Serve(s, br, o)
					}
					if err != nil {
						return engine.Raise(L, "dnsmasq.serve", br, err)
					}
					return 0
				}},
			{Name: "reserve", Args: "bridge, mac, ip, [name]",
				Doc: "A static DHCP reservation on a bridge rewire serves (a dhcp-host line; dnsmasq re-reads it on SIGHUP); rollback restores the hosts file.",
				Fn: func(L *lua.LState) int {
					br := L.CheckString(1)
					h := Host{MAC: L.CheckString(2), IP: L.CheckString(3), Name: L.OptString(4, "")}
					if err := Reserve(s, br, h); err != nil {
						return engine.Raise(L, "dnsmasq.reserve", br+" "+h.MAC, err)
					}
					return 0
				}},
			{Name: "unreserve", Args: "bridge, mac_ip_or_name",
				Doc: "Drops a static DHCP reservation; rollback restores the hosts file.",
				Fn:  engine.Action2("dnsmasq.unreserve", func(br, key string) error { return Unreserve(s, br, key) })},
			{Name: "status", Returns: "{ {bridge=, running=, pid=, range=, hosts=, leases=, dir=} }",
				Doc: "The dnsmasq instances rewire serves for this host.",
				Fn: func(L *lua.LState) int {
					st, err := Status(s)
					if err != nil {
						return engine.Raise(L, "dnsmasq.status", "", err)
					}
					L.Push(engine.Records(L, st, StatusColumns))
					return 1
				}},
		},
	}
}

func optionsFrom(L *lua.LState, n int) (Options, error) {
	o := conv.OptsAt(L, n)
	var opt Options
	rng := o.Strings("range")
	if len(rng) == 1 {
		first, last, _ := strings.Cut(strings.ReplaceAll(rng[0], ",", "-"), "-")
		rng = []string{first, last}
	}
	if len(rng) != 2 {
		o.Has("router") // keep unknown-key checking meaningful
		if err := o.Err(); err != nil {
			return opt, engine.Invalid("%v", err)
		}
		return opt, engine.Invalid("range is required: {first, last} or \"first-last\"")
	}
	opt.Range = [2]string{rng[0], rng[1]}
	opt.Router = o.String("router", "")
	opt.DNS = o.Strings("dns")
	opt.LeaseTime = o.String("lease_time", "")
	opt.DNSServer = o.Bool("dns_server", false)
	if o.Has("hosts") {
		hv, ok := L.CheckTable(n).RawGetString("hosts").(*lua.LTable)
		if !ok {
			return opt, engine.Invalid("option hosts: want a list of {mac=, ip=, name=}")
		}
		for i := 1; i <= hv.Len(); i++ {
			ht, ok := hv.RawGetInt(i).(*lua.LTable)
			if !ok {
				return opt, engine.Invalid("hosts[%d]: want {mac=, ip=, name=}", i)
			}
			var h Host
			if err := conv.Decode(ht, &h); err != nil {
				return opt, engine.Invalid("hosts[%d]: %v", i, err)
			}
			opt.Hosts = append(opt.Hosts, h)
		}
	}
	if err := o.Err(); err != nil {
		return opt, engine.Invalid("%v", err)
	}
	return opt, nil
}
