package bond

import (
	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

var (
	nameParam = engine.Param{Name: "name", Type: "string"}
	bondSlave = []engine.Param{{Name: "bond", Type: "string"}, {Name: "slave", Type: "string"}}
	// optionFields are the bond options create and set take.
	optionFields = []engine.Field{engine.Opt("mode", "string|integer"), engine.Opt("miimon", "integer"), engine.Opt("updelay", "integer"),
		engine.Opt("downdelay", "integer"), engine.Opt("primary", "string"), engine.Opt("lacp_rate", "string"), engine.Opt("xmit_hash_policy", "string")}
	// statusFields are what status reads from /proc/net/bonding/NAME.
	statusFields = []engine.Field{engine.Key("bond", "string"), engine.Key("mode", "string"), engine.Key("mode_title", "string"),
		engine.Key("active_slave", "string?"), engine.Key("primary", "string?"), engine.Key("mii_status", "string"), engine.Key("miimon", "integer"),
		engine.Key("updelay", "integer"), engine.Key("downdelay", "integer"), engine.Key("lacp_rate", "string?"), engine.Key("xmit_hash_policy", "string"),
		engine.Key("slaves", "{name: string, state: string, mii_status: string, speed: string, duplex: string, link_failure_count: integer, permanent_mac: string}[]")}
)

// Module is the `bond` Lua module.
func Module(s *tx.Session) engine.Module {
	return engine.Module{
		Name: "bond",
		Doc:  "Linux bonds (ip link type bond, ifenslave, /proc/net/bonding).",
		Funcs: []engine.Func{
			{Name: "create", Params: []engine.Param{nameParam, {Name: "opts", Type: "table", Optional: true, Doc: "mode by name or number; miimon, updelay, downdelay in ms",
				Fields: append(append([]engine.Field{}, optionFields...), engine.Opt("slaves", "string[]"), engine.Opt("up", "boolean"))}},
				Doc: "Creates a bond (mode by name or number, as BONDING_OPTS gives it: mode=1 is active-backup), enslaves the slaves and brings it up; rollback releases every slave as it was and deletes the bond.",
				Fn: func(L *lua.LState) int {
					name := L.CheckString(1)
					o := conv.OptsAt(L, 2)
					var co CreateOptions
					co.Options = optionsFrom(o)
					co.Slaves = o.Strings("slaves")
					if o.Has("up") {
						v := o.Bool("up", true)
						co.Up = &v
					}
					err := o.Err()
					if err == nil {
						err = Create(s, name, co)
					}
					if err != nil {
						return engine.Raise(L, "bond.create", name, err)
					}
					return 0
				}},
			{Name: "delete", Params: []engine.Param{nameParam}, Doc: "Deletes a bond (its slaves are released); rollback recreates it with its options, slaves, addresses and routes.", Fn: engine.Action1("bond.delete", func(name string) error { return Delete(s, name) })},
			{Name: "add_slave", Params: bondSlave, Doc: "Enslaves slave (taken down for it, then brought up), like ifenslave; a slave that still carries addresses or the default route is refused. A slave a network manager owns is handed over from it first (as link.set master does), and back on rollback.", Fn: engine.Action2("bond.add_slave", func(b, sl string) error { return AddSlave(s, b, sl) })},
			{Name: "remove_slave", Params: bondSlave, Doc: "Releases slave (ifenslave -d); it gets its own MAC and MTU back.", Fn: engine.Action2("bond.remove_slave", func(b, sl string) error { return RemoveSlave(s, b, sl) })},
			{Name: "set", Params: []engine.Param{nameParam, {Name: "opts", Type: "table", Fields: optionFields}},
				Doc: "Changes only the given options (ip link set BOND type bond ...); the mode changes only on a bond without slaves.", Fn: func(L *lua.LState) int {
					name := L.CheckString(1)
					o := conv.OptsAt(L, 2)
					opt := optionsFrom(o)
					err := o.Err()
					if err == nil {
						err = Set(s, name, opt)
					}
					if err != nil {
						return engine.Raise(L, "bond.set", name, err)
					}
					return 0
				}},
			{Name: "status", Params: []engine.Param{nameParam}, Returns: []engine.Result{engine.Record(statusFields...)},
				Doc: "What /proc/net/bonding/NAME says: mode, active slave, MII status and polling interval, and per slave MII status, speed/duplex, link failures, permanent MAC.", Fn: func(L *lua.LState) int {
					name := L.CheckString(1)
					st, err := Get(s.Target, name)
					if err != nil {
						return engine.Raise(L, "bond.status", name, err)
					}
					t := conv.ToLua(L, st).(*lua.LTable)
					t.RawSetString("slaves", engine.Records(L, st.Slaves, SlaveColumns))
					L.Push(t)
					return 1
				}},
			{Name: "check_health", Aliases: []string{"healthy"}, Params: []engine.Param{nameParam},
				Returns: []engine.Result{{Type: "boolean"}, {Type: "string", Name: "reason", Optional: true}}, Doc: "Whether the bond has carrier, an active slave (where the mode has one) and every slave up.", Fn: func(L *lua.LState) int {
					name := L.CheckString(1)
					st, err := Get(s.Target, name)
					if err == nil {
						err = st.Healthy()
						if err != nil {
							L.Push(lua.LFalse)
							L.Push(lua.LString(err.Error()))
							return 2
						}
					}
					if err != nil {
						return engine.Raise(L, "bond.check_health", name, err)
					}
					L.Push(lua.LTrue)
					return 1
				}},
			{Name: "list", Returns: []engine.Result{engine.Rows(engine.Key("bond", "string"), engine.Key("mode", "string"), engine.Key("active_slave", "string"),
				engine.Key("mii_status", "string"), engine.Key("miimon", "integer"), engine.Key("slaves", "string[]"))}, Doc: "Every bond, one line each.", Fn: func(L *lua.LState) int {
				rows, err := List(s.Target)
				if err != nil {
					return engine.Raise(L, "bond.list", "", err)
				}
				L.Push(engine.Records(L, rows, []string{"bond", "mode", "active_slave", "mii_status", "miimon", "slaves"}))
				return 1
			}},
		},
	}
}

func optionsFrom(o *conv.Opts) Options {
	var opt Options
	str := func(k string) *string {
		if !o.Has(k) {
			return nil
		}
		v := o.String(k, "")
		return &v
	}
	num := func(k string) *int {
		if !o.Has(k) {
			return nil
		}
		v := o.Int(k, 0)
		return &v
	}
	opt.Mode = str("mode")
	opt.Miimon = num("miimon")
	opt.UpDelay = num("updelay")
	opt.DownDelay = num("downdelay")
	opt.Primary = str("primary") // "" clears it
	opt.LacpRate = str("lacp_rate")
	opt.XmitHashPolicy = str("xmit_hash_policy")
	return opt
}
