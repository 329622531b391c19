package dnsmasq

import (
	"strings"

	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

var (
	bridge = engine.Param{Name: "bridge", Type: "string"}
	which  = engine.Param{Name: "bridge_or_path", Type: "string", Optional: true}
	// lease is one DHCP lease (expiry: Unix seconds, 0 = never).
	lease = []engine.Field{engine.Key("bridge", "string?"), engine.Key("mac", "string?"), engine.Key("ip", "string"), engine.Key("hostname", "string?"),
		engine.Key("domain", "string?"), engine.Key("expiry", "integer"), engine.Key("client_id", "string?"), engine.Key("iaid", "string?"), engine.Key("file", "string")}
	hostList = "{mac: string, ip: string, name?: string}[]"
)

// Module is the `dnsmasq` Lua module.
func Module(s *tx.Session) engine.Module {
	return engine.Module{
		Name: "dnsmasq",
		Doc:  "DHCP for VM bridges (dnsmasq).",
		Funcs: []engine.Func{
			{Name: "list_leases", Aliases: []string{"leases"}, Params: []engine.Param{which}, Returns: []engine.Result{engine.Rows(lease...)},
				Doc: "DHCP leases of a bridge (served by rewire, or a libvirt network's <bridge>.status), of a lease file, or of every bridge when omitted; like `virsh net-dhcp-leases`.",
				Fn: func(L *lua.LState) int {
					which := L.OptString(1, "")
					ls, err := Leases(stateRoot(s), which)
					if err != nil {
						return engine.Raise(L, "dnsmasq.list_leases", which, err)
					}
					L.Push(engine.Records(L, ls, Columns))
					return 1
				}},
			{Name: "get", Params: []engine.Param{{Name: "mac_ip_or_hostname", Type: "string"}, which}, Returns: []engine.Result{{Type: "table", Optional: true, Fields: lease}},
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
			{Name: "serve", Params: []engine.Param{bridge, {Name: "opts", Type: "table", Doc: "range: {first, last} or \"first-last\"", Fields: []engine.Field{engine.Key("range", "string[]|string"),
				engine.Opt("router", "string"), engine.Opt("dns", "string[]"), engine.Opt("lease_time", "string"), engine.Opt("dns_server", "boolean"), engine.Opt("hosts", hostList)}}},
				Doc: "Runs a dnsmasq handing out DHCP leases on the bridge (DHCP only unless dns_server=true), as libvirt does for a network; it outlives rewire. Where firewalld runs, the bridge then goes into a zone that admits DHCP/DNS (libvirt, else nm-shared, else the services added to its zone; runtime, a step of its own). Rollback stops it, removes its files and puts the bridge back in its zone.",
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
			{Name: "reserve", Params: []engine.Param{bridge, {Name: "mac", Type: "string"}, {Name: "ip", Type: "string"}, {Name: "name", Type: "string", Optional: true}},
				Doc: "A static DHCP reservation on a bridge rewire serves (a dhcp-host line; dnsmasq re-reads it on SIGHUP); rollback restores the hosts file.",
				Fn: func(L *lua.LState) int {
					br := L.CheckString(1)
					h := Host{MAC: L.CheckString(2), IP: L.CheckString(3), Name: L.OptString(4, "")}
					if err := Reserve(s, br, h); err != nil {
						return engine.Raise(L, "dnsmasq.reserve", br+" "+h.MAC, err)
					}
					return 0
				}},
			{Name: "unreserve", Params: []engine.Param{bridge, {Name: "mac_ip_or_name", Type: "string"}},
				Doc: "Drops a static DHCP reservation; rollback restores the hosts file.",
				Fn:  engine.Action2("dnsmasq.unreserve", func(br, key string) error { return Unreserve(s, br, key) })},
			{Name: "status", Returns: []engine.Result{engine.Rows(engine.Key("bridge", "string"), engine.Key("running", "boolean"), engine.Key("pid", "integer?"),
				engine.Key("range", "string"), engine.Key("hosts", "integer"), engine.Key("leases", "integer"), engine.Key("dir", "string"))},
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
