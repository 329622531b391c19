package repl_test

import (
	"reflect"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"rewire/lua/engine"
	"rewire/lua/repl"
)

// objModule hands out a userdata object with methods, as a libvirt
// binding does with domains; its interfaces() lists NICs by MAC.
var objModule = engine.Module{Name: "things", Doc: "Objects for completion.",
	Types: []engine.Type{{Name: "thing", Methods: []engine.Func{
		{Name: "interfaces", Fn: func(L *lua.LState) int {
			list := L.NewTable()
			for _, mac := range []string{"52:54:00:0c:8b:d2", "52:54:00:35:29:ea"} {
				nic := L.NewTable()
				nic.RawSetString("mac", lua.LString(mac))
				list.Append(nic)
			}
			L.Push(list)
			return 1
		}},
		{Name: "set_interface", Fn: func(L *lua.LState) int { return 0 }},
		{Name: "name", Fn: func(L *lua.LState) int { L.Push(lua.LString("vm1")); return 1 }},
	}}},
	Funcs: []engine.Func{{Name: "list", Fn: func(L *lua.LState) int {
		ud := L.NewUserData()
		L.SetMetatable(ud, L.GetTypeMetatable("thing"))
		list := L.NewTable()
		list.Append(ud)
		L.Push(list)
		return 1
	}}, {Name: "get", Fn: func(L *lua.LState) int {
		ud := L.NewUserData()
		L.SetMetatable(ud, L.GetTypeMetatable("thing"))
		L.Push(ud)
		return 1
	}}},
}

func TestCompletionCandidates(t *testing.T) {
	ss := newSession(t, objModule)
	ss.feed(t, `obj = things.get()`, `cfg = {mtu = 1400, name = "br0"}`)
	c := &repl.Completer{E: ss.e}
	for _, tc := range []struct {
		before, word string
		want         []string
	}{
		{"li", "li", []string{"link"}},
		{"loc", "loc", []string{"local"}},
		{"link.", "", []string{"delete(", "exists(", "get(", "list(", "set("}},
		{"x = link.s", "s", []string{"set("}},
		{"cfg.", "", []string{"mtu", "name"}},
		{"obj:", "", []string{"interfaces(", "name(", "set_interface("}},
		{`things.get("v`, "v", []string{"vm1"}},
		{"obj:set", "set", []string{"set_interface("}},
		{`link.get("`, "", []string{"lo", "veth0", "veth1"}},
		{`link.set("ve`, "ve", []string{"veth0", "veth1"}},
		{`bridge.add_port("br0", "veth`, "veth", []string{"veth0", "veth1"}},
		{`obj:set_interface("52:54:00:3`, "52:54:00:3", []string{"52:54:00:35:29:ea"}},
		{`print("ve`, "ve", nil},
		{`x = 12`, "", nil},
		{`nosuch.`, "", nil},
		{`-- link.get("ve`, "", nil},
		{":sa", ":sa", []string{":save", ":savepoint"}},
		{":help link.s", "link.s", []string{"link.set"}},
		// Keys of an options table, from the function's declared Fields.
		{`link.set("veth0", {`, "", []string{"mac=", "master=", "mtu=", "name=", "up="}},
		{`link.set("veth0", {mtu = 1400, m`, "m", []string{"mac=", "master="}},
		{`x = link.set("veth0", { u`, "u", []string{"up="}},
		{`cfg = {m`, "m", []string{"math"}},
		// Declared aliases are not offered: the verb rule's names are.
		{"tx.", "", []string{"commit(", "list_changes(", "rollback(", "rollback_to(", "savepoint("}},
	} {
		got, word := c.Candidates(tc.before)
		if word != tc.word || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %q (word %q), want %q (word %q)", tc.before, got, word, tc.want, tc.word)
		}
	}
}

func TestCompletionSuffixesForReadline(t *testing.T) {
	ss := newSession(t)
	c := &repl.Completer{E: ss.e}
	line := []rune(`link.get("veth0") link.ex`)
	suffixes, n := c.Do(line, len(line))
	if n != 2 || len(suffixes) != 1 || string(suffixes[0]) != "ists(" {
		t.Fatalf("Do = %q, %d", suffixes, n)
	}
}

func TestChunkCompleteness(t *testing.T) {
	for src, want := range map[string]bool{
		"x = 1":                          true,
		"link.list()":                    true,
		"1 +":                            false,
		"for i = 1, 3 do":                false,
		"for i = 1, 3 do\nprint(i)":      false,
		"for i = 1, 3 do\nprint(i)\nend": true,
		"t = {":                          false,
		"f(":                             false,
		"if x then else":                 false,
		"s = [[long":                     false,
		"--[[ comment":                   false,
		`s = "unterminated`:              true, // an error now, not a continuation
		"x = }":                          true,
		"end":                            true,
	} {
		if got := repl.Complete(src); got != want {
			t.Errorf("Complete(%q) = %v, want %v", src, got, want)
		}
	}
}
