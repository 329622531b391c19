package domain

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

// Columns is the order `print(domain.list())` lays the records out in.
var Columns = []string{"name", "state", "autostart"}

// NICColumns is the order of `print(dom:interfaces())`, like `virsh domiflist`.
var NICColumns = []string{"dev", "type", "source", "model", "mac", "pci", "alias", "ip"}

// typeName is the metatable of domain objects (and of domain.list() rows,
// so `for _, d in ipairs(domain.list()) do d:interfaces() end` works).
const typeName = "domain"

var (
	nameParam = []engine.Param{{Name: "name", Type: "string"}}
	// nicRef names a NIC: its MAC, or a table (every key given must match).
	nicRef = engine.Param{Name: "nic", Type: "string|table", Doc: "a MAC, or {alias=} or {pci=} where two NICs share a MAC",
		Fields: []engine.Field{engine.Opt("mac", "string"), engine.Opt("alias", "string"), engine.Opt("pci", "string")}}
	// sourceFields are where a NIC points (type: network or bridge).
	sourceFields = []engine.Field{engine.Key("type", "string"), engine.Key("source", "string"), engine.Opt("model", "string")}
	// scope is update-device's --live/--config; default: live if running, config if persistent.
	scope = engine.Param{Name: "scope", Type: "table", Optional: true, Fields: []engine.Field{engine.Opt("live", "boolean"), engine.Opt("config", "boolean")}}
)

// Module is the `domain` Lua module (libvirt guests).
func Module(s *tx.Session) engine.Module {
	byName := func(op string, f func(string) error) lua.LGFunction {
		return func(L *lua.LState) int {
			name := L.CheckString(1)
			if err := f(name); err != nil {
				return engine.Raise(L, op, name, err)
			}
			return 0
		}
	}
	return engine.Module{
		Name: "domain",
		Doc:  "libvirt guests (virsh) and their NICs: inspect, re-point, hot-plug.",
		Funcs: []engine.Func{
			{Name: "list", Returns: []engine.Result{engine.Rows(engine.Key("name", "string"), engine.Key("state", "string"), engine.Key("autostart", "boolean"))},
				Doc: "Every guest, like `virsh list --all`; each row also has the domain object methods (row:interfaces()).", Fn: func(L *lua.LState) int {
					all, err := List(s.Target)
					if err != nil {
						return engine.Raise(L, "domain.list", "", err)
					}
					rows := engine.Records(L, all, Columns)
					mt := L.GetTypeMetatable(typeName)
					for i := 1; i <= rows.Len(); i++ {
						L.SetMetatable(rows.RawGetInt(i), mt)
					}
					L.Push(rows)
					return 1
				}},
			{Name: "get", Params: nameParam, Returns: []engine.Result{{Type: typeName}},
				Doc: "One guest as an object with :xml(), :state(), :interfaces(), :set_interface() ... (`virsh dominfo NAME`).", Fn: func(L *lua.LState) int {
					name := L.CheckString(1)
					if _, err := Get(s.Target, name); err != nil {
						return engine.Raise(L, "domain.get", name, err)
					}
					L.Push(newObject(L, name))
					return 1
				}},
			{Name: "define", Params: []engine.Param{{Name: "xml", Type: "string"}}, Returns: []engine.Result{{Type: typeName}},
				Doc: "`virsh define`: defines a guest or redefines one of the same name (its UUID kept); rollback restores the old definition.", Fn: func(L *lua.LState) int {
					name, err := Define(s, L.CheckString(1))
					if err != nil {
						return engine.Raise(L, "domain.define", name, err)
					}
					L.Push(newObject(L, name))
					return 1
				}},
			{Name: "set_interfaces", Params: []engine.Param{{Name: "changes", Type: "table[]", Doc: "each {domain=, nic=MAC or {alias=}/{pci=}, source={type=, source=, model=}, live=, config=}"}},
				Doc: "dom:set_interface for many NICs at once, several guests side by side (libvirt runs jobs on different guests in parallel), one guest's NICs in order; each change journaled before it is made, as one set_interface. Every change is checked first: a bad one is named by its position and nothing changes.",
				Fn: func(L *lua.LState) int {
					list := L.CheckTable(1)
					var changes []NICChange
					for i := 1; i <= list.Len(); i++ {
						c, err := nicChangeAt(L, list.RawGetInt(i))
						if err != nil {
							return engine.Raise(L, "domain.set_interfaces", fmt.Sprintf("#%d", i), err)
						}
						changes = append(changes, c)
					}
					if err := SetNICs(s, changes); err != nil {
						what := fmt.Sprintf("%d NICs", len(changes))
						if len(changes) == 1 {
							what = "1 NIC"
						}
						return engine.Raise(L, "domain.set_interfaces", what, err)
					}
					return 0
				}},
			{Name: "undefine", Params: nameParam, Doc: "`virsh undefine`: removes the definition (a running guest keeps running).",
				Fn: byName("domain.undefine", func(n string) error { return Undefine(s, n) })},
			{Name: "start", Params: nameParam, Doc: "`virsh start`; rollback destroys it again.",
				Fn: byName("domain.start", func(n string) error { return Start(s, n) })},
			{Name: "shutdown", Params: nameParam, Doc: "`virsh shutdown`: asks the guest OS to power off; rollback starts it.",
				Fn: byName("domain.shutdown", func(n string) error { return Shutdown(s, n) })},
			{Name: "destroy", Params: nameParam, Doc: "`virsh destroy`: pulls the plug of a persistent guest; rollback starts it.",
				Fn: byName("domain.destroy", func(n string) error { return Destroy(s, n) })},
		},
		Types: []engine.Type{{
			Name: typeName,
			Doc:  "A libvirt guest, from domain.get(name) or a domain.list() row.",
			Methods: []engine.Func{
				{Name: "name", Returns: []engine.Result{{Type: "string"}}, Doc: "The guest's name.", Fn: func(L *lua.LState) int {
					L.Push(lua.LString(self(L)))
					return 1
				}},
				{Name: "xml", Params: []engine.Param{engine.Options(engine.Opt("inactive", "boolean"))}, Returns: []engine.Result{{Type: "string"}}, Doc: "`virsh dumpxml [--inactive]`.", Fn: func(L *lua.LState) int {
					name := self(L)
					o := conv.OptsAt(L, 2)
					inactive := o.Bool("inactive", false)
					x, err := "", o.Err()
					if err == nil {
						x, err = XML(s.Target, name, inactive)
					}
					if err != nil {
						return engine.Raise(L, "domain:xml", name, err)
					}
					L.Push(lua.LString(x))
					return 1
				}},
				{Name: "state", Returns: []engine.Result{{Type: "string"}}, Doc: "`virsh domstate`: running, paused, shutoff, ...", Fn: func(L *lua.LState) int {
					name := self(L)
					in, err := Get(s.Target, name)
					if err != nil {
						return engine.Raise(L, "domain:state", name, err)
					}
					L.Push(lua.LString(in.State))
					return 1
				}},
				{Name: "info", Returns: []engine.Result{engine.Record(engine.Key("name", "string"), engine.Key("uuid", "string"), engine.Key("state", "string"),
					engine.Key("autostart", "boolean"), engine.Key("persistent", "boolean"), engine.Key("nics", "integer"))}, Doc: "`virsh dominfo`.", Fn: func(L *lua.LState) int {
					name := self(L)
					in, err := Get(s.Target, name)
					if err != nil {
						return engine.Raise(L, "domain:info", name, err)
					}
					L.Push(conv.ToLua(L, in))
					return 1
				}},
				{Name: "interfaces", Returns: []engine.Result{engine.Rows(engine.Key("dev", "string"), engine.Key("type", "string"), engine.Key("source", "string"), engine.Key("model", "string"),
					engine.Key("mac", "string"), engine.Key("pci", "string"), engine.Key("alias", "string"), engine.Key("ip", "string"))},
					Doc: "`virsh domiflist` (live while running) with each NIC's PCI address, alias and its DHCP-leased IPv4 (by MAC).", Fn: func(L *lua.LState) int {
						name := self(L)
						nics, err := Interfaces(s.Target, name)
						if err != nil {
							return engine.Raise(L, "domain:interfaces", name, err)
						}
						L.Push(engine.Records(L, nics, NICColumns))
						return 1
					}},
				{Name: "set_interface", Params: []engine.Param{nicRef, {Name: "source", Type: "table", Fields: sourceFields}, scope},
					Doc: "Re-points the NIC with that MAC (or alias, or guest PCI address, where two NICs share a MAC) (update-device --live and/or its element in the persistent XML --config; default: live if running, config if persistent), keeping MAC, model, PCI address and the rest; the persistent XML must change in that NIC only. Refuses a bridge missing on the host.", Fn: func(L *lua.LState) int {
						name := self(L)
						ref, err := refAt(L, 2)
						src, err2 := sourceAt(L, 3, false)
						sc, err3 := scopeAt(L, 4)
						for _, e := range []error{err2, err3} {
							if err == nil {
								err = e
							}
						}
						if err == nil {
							err = SetNIC(s, name, ref, src, sc)
						}
						if err != nil {
							return engine.Raise(L, "domain:set_interface", name+" "+refName(ref), err)
						}
						return 0
					}},
				{Name: "attach_interface", Params: []engine.Param{{Name: "source", Type: "table", Fields: append(append([]engine.Field{}, sourceFields...), engine.Opt("mac", "string"))}, scope},
					Returns: []engine.Result{{Type: "string", Name: "mac"}},
					Doc:     "`virsh attach-interface`: hot-plugs a NIC (a 52:54:00 MAC is made when none is given) and returns its MAC.", Fn: func(L *lua.LState) int {
						name := self(L)
						src, err := sourceAt(L, 2, true)
						sc, err2 := scopeAt(L, 3)
						if err == nil {
							err = err2
						}
						mac := ""
						if err == nil {
							mac, err = AttachInterface(s, name, src, macOpt(L, 2), sc)
						}
						if err != nil {
							return engine.Raise(L, "domain:attach_interface", name, err)
						}
						L.Push(lua.LString(mac))
						return 1
					}},
				{Name: "detach_interface", Params: []engine.Param{nicRef, scope},
					Doc: "`virsh detach-interface --mac`: unplugs the NIC (by MAC, or alias, or guest PCI address); rollback plugs the same device back.", Fn: func(L *lua.LState) int {
						name := self(L)
						ref, err := refAt(L, 2)
						sc, err2 := scopeAt(L, 3)
						if err == nil {
							err = err2
						}
						if err == nil {
							err = DetachNIC(s, name, ref, sc)
						}
						if err != nil {
							return engine.Raise(L, "domain:detach_interface", name+" "+refName(ref), err)
						}
						return 0
					}},
				{Name: "start", Doc: "`virsh start`.", Fn: func(L *lua.LState) int {
					name := self(L)
					if err := Start(s, name); err != nil {
						return engine.Raise(L, "domain:start", name, err)
					}
					return 0
				}},
				{Name: "shutdown", Doc: "`virsh shutdown`.", Fn: func(L *lua.LState) int {
					name := self(L)
					if err := Shutdown(s, name); err != nil {
						return engine.Raise(L, "domain:shutdown", name, err)
					}
					return 0
				}},
				{Name: "destroy", Doc: "`virsh destroy`.", Fn: func(L *lua.LState) int {
					name := self(L)
					if err := Destroy(s, name); err != nil {
						return engine.Raise(L, "domain:destroy", name, err)
					}
					return 0
				}},
			},
			ToString: func(L *lua.LState) int {
				name := self(L)
				in, err := Get(s.Target, name)
				if err != nil {
					L.Push(lua.LString(fmt.Sprintf("<domain %s: %v>", name, err)))
					return 1
				}
				plural := "s"
				if in.NICs == 1 {
					plural = ""
				}
				L.Push(lua.LString(fmt.Sprintf("<domain %s %s, %d nic%s>", in.Name, in.State, in.NICs, plural)))
				return 1
			},
		}},
	}
}

func newObject(L *lua.LState, name string) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = name
	L.SetMetatable(ud, L.GetTypeMetatable(typeName))
	return ud
}

// self is the guest a method is called on: a domain object, or a
// domain.list() row (its name field).
func self(L *lua.LState) string {
	switch v := L.Get(1).(type) {
	case *lua.LUserData:
		if name, ok := v.Value.(string); ok {
			return name
		}
	case *lua.LTable:
		if name, ok := v.RawGetString("name").(lua.LString); ok {
			return string(name)
		}
	}
	L.ArgError(1, "domain object expected (call methods with ':', e.g. dom:interfaces())")
	return ""
}

func sourceAt(L *lua.LState, n int, withMAC bool) (Source, error) {
	if _, ok := L.Get(n).(*lua.LTable); !ok {
		return Source{}, engine.Invalid("argument %d: want {type=, source=}", n)
	}
	o := conv.OptsAt(L, n)
	src := Source{Type: o.String("type", ""), Source: o.String("source", ""), Model: o.String("model", "")}
	if withMAC {
		o.String("mac", "")
	}
	if err := o.Err(); err != nil {
		return src, engine.Invalid("%v", err)
	}
	return src, nil
}

// refAt reads which NIC a method is about: a MAC string, or a table
// {mac=, alias=, pci=} (any of them; all given must match).
func refAt(L *lua.LState, n int) (NICRef, error) {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return NICRef{MAC: string(v)}, nil
	case *lua.LTable:
		o := conv.OptsAt(L, n)
		r := NICRef{MAC: o.String("mac", ""), Alias: o.String("alias", ""), PCI: o.String("pci", "")}
		if err := o.Err(); err != nil {
			return r, engine.Invalid("%v", err)
		}
		if r == (NICRef{}) {
			return r, engine.Invalid("argument %d: want a MAC, {alias=} or {pci=}", n)
		}
		return r, nil
	}
	return NICRef{}, engine.Invalid("argument %d: want a MAC, {alias=} or {pci=}, got %s", n, L.Get(n).Type())
}

// refName names a NIC in an error's object: its MAC, or alias=... / pci=...
func refName(r NICRef) string {
	if r.Alias == "" && r.PCI == "" {
		return r.MAC
	}
	var parts []string
	for _, kv := range [][2]string{{"mac", r.MAC}, {"alias", r.Alias}, {"pci", r.PCI}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	return strings.Join(parts, ",")
}

func macOpt(L *lua.LState, n int) string {
	return lua.LVAsString(L.CheckTable(n).RawGetString("mac"))
}

func scopeAt(L *lua.LState, n int) (Scope, error) {
	o := conv.OptsAt(L, n)
	sc := Scope{Live: o.Bool("live", false), Config: o.Bool("config", false)}
	if err := o.Err(); err != nil {
		return sc, engine.Invalid("%v", err)
	}
	return sc, nil
}

// nicChangeAt reads one entry of domain.set_interfaces.
func nicChangeAt(L *lua.LState, v lua.LValue) (NICChange, error) {
	if _, ok := v.(*lua.LTable); !ok {
		return NICChange{}, engine.Invalid("want {domain=, nic=, source=}, got %s", v.Type())
	}
	L.Push(v)
	defer L.Pop(1)
	o := conv.OptsAt(L, L.GetTop())
	c := NICChange{Domain: o.String("domain", ""), Scope: Scope{Live: o.Bool("live", false), Config: o.Bool("config", false)}}
	nic, src := o.Has("nic"), o.Has("source")
	if err := o.Err(); err != nil {
		return c, engine.Invalid("%v", err)
	}
	if c.Domain == "" || !nic || !src {
		return c, engine.Invalid("want {domain=, nic=, source=}")
	}
	t := v.(*lua.LTable)
	L.Push(t.RawGetString("nic"))
	ref, err := refAt(L, L.GetTop())
	L.Pop(1)
	if err != nil {
		return c, err
	}
	L.Push(t.RawGetString("source"))
	c.Source, err = sourceAt(L, L.GetTop(), false)
	L.Pop(1)
	c.NIC = ref
	return c, err
}
