package probe

import (
	"time"

	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

var (
	ip        = engine.Param{Name: "ip", Type: "string"}
	withCount = engine.Param{Name: "opts", Type: "table", Optional: true, Doc: "timeout in ms", Fields: []engine.Field{engine.Opt("timeout", "integer"), engine.Opt("count", "integer")}}
)

// Module is the `probe` Lua module: read-only reachability tests, for
// checks (`check("gw", function() return probe.ping(gw) end)`).
func Module(s *tx.Session) engine.Module {
	return engine.Module{
		Name: "probe",
		Doc:  "Reachability probes from the target host (ping, nc -z, arping); they change nothing.",
		Funcs: []engine.Func{
			{Name: "ping", Params: []engine.Param{ip, withCount}, Returns: []engine.Result{{Type: "boolean"}},
				Doc: "`ping -c COUNT -W TIMEOUT IP`: true when an ICMP echo is answered (IPv4 or IPv6). Defaults: timeout 1000 ms, count 1.",
				Fn: func(L *lua.LState) int {
					ip := L.CheckString(1)
					o, err := optionsAt(L, 2, true)
					var ok bool
					if err == nil {
						ok, err = Ping(s.Target, ip, o)
					}
					if err != nil {
						return engine.Raise(L, "probe.ping", ip, err)
					}
					L.Push(lua.LBool(ok))
					return 1
				}},
			{Name: "tcp", Params: []engine.Param{{Name: "ip_port", Type: "string", Doc: "\"ip:port\", \"[v6]:port\""},
				{Name: "opts", Type: "table", Optional: true, Doc: "timeout in ms", Fields: []engine.Field{engine.Opt("timeout", "integer")}}}, Returns: []engine.Result{{Type: "boolean"}},
				Doc: "`nc -z -w TIMEOUT IP PORT`: true when a TCP connection opens (it is closed at once). Default timeout 1000 ms.",
				Fn: func(L *lua.LState) int {
					hp := L.CheckString(1)
					o, err := optionsAt(L, 2, false)
					var ok bool
					if err == nil {
						ok, err = TCP(s.Target, hp, o)
					}
					if err != nil {
						return engine.Raise(L, "probe.tcp", hp, err)
					}
					L.Push(lua.LBool(ok))
					return 1
				}},
			{Name: "arp", Params: []engine.Param{ip, {Name: "dev", Type: "string"}, withCount}, Returns: []engine.Result{{Type: "string", Name: "mac", Optional: true}},
				Doc: "`arping -I DEV IP`: the MAC that answers an ARP request for IP on DEV, or nil.",
				Fn: func(L *lua.LState) int {
					ip, dev := L.CheckString(1), L.CheckString(2)
					o, err := optionsAt(L, 3, true)
					var mac string
					if err == nil {
						mac, err = ARP(s.Target, ip, dev, o)
					}
					if err != nil {
						return engine.Raise(L, "probe.arp", ip+" on "+dev, err)
					}
					if mac == "" {
						L.Push(lua.LNil)
					} else {
						L.Push(lua.LString(mac))
					}
					return 1
				}},
		},
	}
}

// optionsAt reads {timeout=ms, count=n} (count only where withCount).
func optionsAt(L *lua.LState, n int, withCount bool) (Options, error) {
	t := conv.OptsAt(L, n)
	o := Options{Timeout: time.Duration(t.Int("timeout", int(DefaultTimeout/time.Millisecond))) * time.Millisecond}
	if withCount {
		o.Count = t.Int("count", DefaultCount)
	}
	if err := t.Err(); err != nil {
		return o, engine.Invalid("%v", err)
	}
	if o.Timeout <= 0 || o.Count < 0 {
		return o, engine.Invalid("timeout and count must be positive")
	}
	return o, nil
}
