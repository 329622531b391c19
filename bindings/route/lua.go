package route

import (
	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

var columns = []string{"dst", "gateway", "dev", "table", "metric", "proto", "scope"}

// specFrom reads {dst=, gateway=, dev=, table=, metric=, src=} at stack index n.
func specFrom(L *lua.LState, n int) (Spec, error) {
	o := conv.OptsAt(L, n)
	s := Spec{Dst: o.String("dst", "default"), Gateway: o.String("gateway", ""), Dev: o.String("dev", ""),
		Table: o.Int("table", 0), Metric: o.Int("metric", 0), Src: o.String("src", "")}
	if err := o.Err(); err != nil {
		return s, err
	}
	return s, s.Validate()
}

var (
	// spec is the route add, remove and replace take (dst: a CIDR, or
	// "default", the default; table: a number, 254 = main).
	spec = []engine.Param{{Name: "route", Type: "table", Fields: []engine.Field{engine.Opt("dst", "string"), engine.Opt("gateway", "string"),
		engine.Opt("dev", "string"), engine.Opt("table", "integer"), engine.Opt("metric", "integer"), engine.Opt("src", "string")}}}
	// record is a route as list and get_default return it.
	record = []engine.Field{engine.Key("dst", "string"), engine.Key("gateway", "string?"), engine.Key("dev", "string?"), engine.Key("table", "string"),
		engine.Key("metric", "integer?"), engine.Key("proto", "string"), engine.Key("scope", "string"), engine.Key("src", "string?")}
)

// Module is the `route` Lua module.
func Module(s *tx.Session) engine.Module {
	change := func(op string, f func(*tx.Session, Spec) error) lua.LGFunction {
		return func(L *lua.LState) int {
			r, err := specFrom(L, 1)
			if err == nil {
				err = f(s, r)
			}
			if err != nil {
				return engine.Raise(L, "route."+op, r.String(), err)
			}
			return 0
		}
	}
	return engine.Module{
		Name: "route",
		Doc:  "Routes (ip route), every table, IPv4 and IPv6.",
		Funcs: []engine.Func{
			{Name: "list", Params: []engine.Param{engine.Options(engine.Opt("dev", "string"), engine.Opt("table", "integer"))}, Returns: []engine.Result{engine.Rows(record...)}, Doc: "Routes, like `ip route show table all`; filter by dev, and by table number (254 = main).", Fn: func(L *lua.LState) int {
				o := conv.OptsAt(L, 1)
				f := Filter{Dev: o.String("dev", ""), Table: o.Int("table", 0)}
				err := o.Err()
				var rs []Spec
				if err == nil {
					rs, err = List(s.Target, f)
				}
				if err != nil {
					return engine.Raise(L, "route.list", f.Dev, err)
				}
				L.Push(engine.Records(L, Views(rs), columns))
				return 1
			}},
			{Name: "get_default", Aliases: []string{"default"}, Returns: []engine.Result{{Type: "table", Optional: true, Fields: record}}, Doc: "The main table's IPv4 default route, or nil.", Fn: func(L *lua.LState) int {
				r, err := Default(s.Target)
				if err != nil {
					L.Push(lua.LNil)
					return 1
				}
				L.Push(conv.ToLua(L, r.View()))
				return 1
			}},
			{Name: "add", Params: spec, Doc: "`ip route add`.", Fn: change("add", Add)},
			{Name: "remove", Aliases: []string{"del"}, Params: spec, Doc: "`ip route del` of the route matching the given fields.", Fn: change("remove", Del)},
			{Name: "replace", Params: spec, Doc: "`ip route replace`: rollback restores the route it replaced.", Fn: change("replace", Replace)},
		},
	}
}
