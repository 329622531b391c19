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
		Doc:  "Routes (ip route), every table, IPv4 and IPv6: list, add, del, replace, default.",
		Funcs: []engine.Func{
			{Name: "list", Args: "[{dev=, table=}]", Returns: "{ {dst=, gateway=, dev=, table=, metric=} }", Doc: "Routes, like `ip route show table all`; filter by dev, and by table number (254 = main).", Fn: func(L *lua.LState) int {
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
			{Name: "default", Returns: "{dst=, gateway=, dev=, metric=} or nil", Doc: "The main table's IPv4 default route, or nil.", Fn: func(L *lua.LState) int {
				r, err := Default(s.Target)
				if err != nil {
					L.Push(lua.LNil)
					return 1
				}
				L.Push(conv.ToLua(L, r.View()))
				return 1
			}},
			{Name: "add", Args: "{dst=, gateway=, dev=, table=, metric=, src=}", Doc: "`ip route add`.", Fn: change("add", Add)},
			{Name: "del", Args: "{dst=, gateway=, dev=, table=, metric=}", Doc: "`ip route del` of the route matching the given fields.", Fn: change("del", Del)},
			{Name: "replace", Args: "{dst=, gateway=, dev=, table=, metric=, src=}", Doc: "`ip route replace`: rollback restores the route it replaced.", Fn: change("replace", Replace)},
		},
	}
}
