package nat

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

var (
	subnetParam = engine.Param{Name: "subnet", Type: "string"}
	tagField    = engine.Opt("tag", "string")
)

// Module is the `nat` Lua module.
func Module(s *tx.Session) engine.Module {
	warned := map[string]bool{} // each warning once per script or REPL session
	warn := func(L *lua.LState, res Result) {
		for _, w := range res.Warnings {
			if !warned[w] {
				warned[w] = true
				printLine(L, "warning: "+w)
			}
		}
	}
	pushResult := func(L *lua.LState, res Result) int {
		warn(L, res)
		L.Push(lua.LString(res.Tag))
		return 1
	}
	return engine.Module{
		Barrier: s.Flush,
		Name:    "nat",
		Doc:     "NAT and forwarding rules for VM networks (iptables), in rewire's own chains, one iptables-restore batch per change.",
		Funcs: []engine.Func{
			{Name: "masquerade", Params: []engine.Param{subnetParam, engine.Options(engine.Opt("out", "string"), tagField)}, Returns: []engine.Result{{Type: "string", Name: "tag"}},
				Doc: "MASQUERADE traffic leaving SUBNET (iptables -t nat -A POSTROUTING -s SUBNET ! -d SUBNET -j MASQUERADE), as libvirt does for a NAT network.",
				Fn: func(L *lua.LState) int {
					cidr := L.CheckString(1)
					o := conv.OptsAt(L, 2)
					out, tag := o.String("out", ""), o.String("tag", "")
					if err := o.Err(); err != nil {
						return engine.Raise(L, "nat.masquerade", cidr, engine.Invalid("%v", err))
					}
					res, err := Masquerade(s, cidr, out, tag)
					if err != nil {
						return engine.Raise(L, "nat.masquerade", cidr, err)
					}
					return pushResult(L, res)
				}},
			{Name: "forward", Params: []engine.Param{{Name: "bridge", Type: "string"}, subnetParam, engine.Options(tagField)}, Returns: []engine.Result{{Type: "string", Name: "tag"}},
				Doc: "The FORWARD rules libvirt installs for a NAT bridge: replies in, SUBNET out, bridge to bridge, reject the rest; DHCP and DNS from the bridge to the host (and, where firewalld runs, the bridge into a zone that admits them, as dnsmasq.serve does). Warns when firewalld would flush the rules at its next reload.",
				Fn: func(L *lua.LState) int {
					br, cidr := L.CheckString(1), L.CheckString(2)
					o := conv.OptsAt(L, 3)
					tag := o.String("tag", "")
					if err := o.Err(); err != nil {
						return engine.Raise(L, "nat.forward", br, engine.Invalid("%v", err))
					}
					res, err := Forward(s, br, cidr, tag)
					if err != nil {
						return engine.Raise(L, "nat.forward", br+" "+cidr, err)
					}
					return pushResult(L, res)
				}},
			{Name: "forward_port", Aliases: []string{"port_forward"}, Params: []engine.Param{{Name: "forward", Type: "table|table[]", Doc: "proto: tcp (default) or udp; port: a port or \"lo-hi\"; to: \"addr[:port]\"",
				Fields: []engine.Field{engine.Opt("proto", "string"), engine.Key("port", "integer|string"), engine.Key("to", "string"), engine.Opt("in", "string"), tagField}}},
				Returns: []engine.Result{{Type: "string|string[]", Name: "tag"}},
				Defers:  true,
				Doc:     "DNAT a host port to a guest (iptables -t nat -A PREROUTING -p tcp --dport PORT -j DNAT --to-destination TO) and accept the forwarded connection. A list of forwards goes in as one iptables-restore batch (one change), and returns their tags. Consecutive calls also go in as one change, before the script's next call of anything else (or the end of the chunk): nothing can see a rule missing.",
				Fn: func(L *lua.LState) int {
					list := L.CheckTable(1)
					if _, ok := list.RawGetInt(1).(*lua.LTable); ok { // a list of forwards
						var pfs []PortForward
						for i := 1; i <= list.Len(); i++ {
							L.Push(list.RawGetInt(i))
							pf, err := portForwardOpts(L, L.GetTop())
							L.Pop(1)
							if err != nil {
								return engine.Raise(L, "nat.forward_port", fmt.Sprintf("#%d", i), engine.Invalid("%v", err))
							}
							pfs = append(pfs, pf)
						}
						res, err := AddPortForwards(s, pfs)
						if err != nil {
							what := fmt.Sprintf("%d forwards", len(pfs))
							if len(pfs) == 1 {
								what = "1 forward"
							}
							return engine.Raise(L, "nat.forward_port", what, err)
						}
						warn(L, res)
						L.Push(conv.ToLua(L, res.Tags))
						return 1
					}
					pf, err := portForwardOpts(L, 1)
					if err != nil {
						return engine.Raise(L, "nat.forward_port", pf.To, engine.Invalid("%v", err))
					}
					res, err := QueuePortForward(s, pf)
					if err != nil {
						return engine.Raise(L, "nat.forward_port", pf.Port+" "+pf.To, err)
					}
					return pushResult(L, res)
				}},
			{Name: "list", Params: []engine.Param{engine.Options(engine.Opt("all", "boolean"))},
				Returns: []engine.Result{engine.Rows(engine.Key("family", "string"), engine.Key("table", "string"), engine.Key("chain", "string"), engine.Key("tag", "string?"), engine.Key("spec", "string"))},
				Doc:     "rewire's rules (tagged rewire:...), or every rule with all=true, like iptables-save and ip6tables-save.",
				Fn: func(L *lua.LState) int {
					o := conv.OptsAt(L, 1)
					all := o.Bool("all", false)
					if err := o.Err(); err != nil {
						return engine.Raise(L, "nat.list", "", engine.Invalid("%v", err))
					}
					rules, err := List(s.Target, all)
					if err != nil {
						return engine.Raise(L, "nat.list", "", err)
					}
					L.Push(engine.Records(L, rules, Columns))
					return 1
				}},
			{Name: "remove", Params: []engine.Param{{Name: "tag", Type: "string"}}, Returns: []engine.Result{{Type: "integer", Name: "count"}},
				Doc: "Removes every rule tagged rewire:TAG (iptables -D each); rollback puts them back where they were.",
				Fn: func(L *lua.LState) int {
					tag := L.CheckString(1)
					n, err := Remove(s, tag)
					if err != nil {
						return engine.Raise(L, "nat.remove", tag, err)
					}
					L.Push(lua.LNumber(n))
					return 1
				}},
		},
	}
}

// portForwardOpts reads one port forward's table at stack index i.
func portForwardOpts(L *lua.LState, i int) (PortForward, error) {
	o := conv.OptsAt(L, i)
	pf := PortForward{Proto: o.String("proto", "tcp"), Port: o.String("port", ""), To: o.String("to", ""),
		In: o.String("in", ""), Tag: o.String("tag", "")}
	return pf, o.Err()
}

// printLine prints through the script's own print, so the REPL and
// `rewire run` show it where they show everything else.
func printLine(L *lua.LState, line string) {
	if p, ok := L.GetGlobal("print").(*lua.LFunction); ok {
		L.Push(p)
		L.Push(lua.LString(line))
		L.Call(1, 0)
	}
}
