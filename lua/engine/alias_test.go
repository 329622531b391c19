package engine

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// An alias is the very same function under its old name, and the docs
// say whose alias it is.
func TestAliasIsTheSameFunction(t *testing.T) {
	m := Module{Name: "m", Doc: "A module.", Funcs: []Func{{Name: "remove", Aliases: []string{"del"},
		Params: []Param{{Name: "dev", Type: "string"}}, Doc: "Removes.",
		Fn: func(L *lua.LState) int { L.Push(lua.LString("removed " + L.CheckString(1))); return 1 }}}}
	e := New(nil, m)
	defer e.Close()
	if err, out := run(t, e, `print(m.del == m.remove, m.del("x"))`); err != nil || strings.TrimSpace(out) != "true\tremoved x" {
		t.Fatalf("alias: %v %q", err, out)
	}
	doc, err := Doc([]Module{m}, "m.del")
	if err != nil || !strings.Contains(doc, "m.remove(dev: string)") || !strings.Contains(doc, "m.del\n      alias of m.remove") {
		t.Fatalf("doc of the alias: %v\n%s", err, doc)
	}
	if md := Markdown([]Module{m}); !strings.Contains(md, "| `m` | `remove(dev)` (`del` is an alias) |") {
		t.Fatalf("markdown:\n%s", md)
	}
}

func TestSignaturesFromParams(t *testing.T) {
	f := Func{Name: "create", Params: []Param{{Name: "name", Type: "string"},
		Options(Opt("stp", "boolean"), Key("mode", "string|integer"))},
		Returns: []Result{{Type: "boolean"}, {Type: "string", Name: "reason", Optional: true}}}
	if got, want := f.Signature(), "name: string, opts?: {stp?: boolean, mode: string|integer}"; got != want {
		t.Errorf("Signature %q, want %q", got, want)
	}
	if got, want := f.ResultType(), "boolean, string? reason"; got != want {
		t.Errorf("ResultType %q, want %q", got, want)
	}
	if got, want := f.Args(), "name, [{stp=, mode=}]"; got != want {
		t.Errorf("Args %q, want %q", got, want)
	}
	nic := Param{Name: "nic", Type: "string|table", Fields: []Field{Opt("alias", "string")}}
	if got, want := nic.LuaType(nil, true), "string|{alias?: string}"; got != want {
		t.Errorf("LuaType %q, want %q", got, want)
	}
	rows := Rows(Key("name", "string"))
	if got, want := rows.LuaType(nil, false), "{name: string}[]"; got != want {
		t.Errorf("LuaType %q, want %q", got, want)
	}
	if got, want := (Result{Type: "thing[]"}).LuaType(map[string]string{"thing": "thing_object"}, false), "thing_object[]"; got != want {
		t.Errorf("LuaType %q, want %q", got, want)
	}
}

func TestVerbRule(t *testing.T) {
	for _, ok := range []string{"create", "add_port", "rollback_to", "list_leases", "print"} {
		if err := CheckName(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"del", "dhcp_host_add", "leases", "port_forward", "healthy"} {
		if CheckName(bad) == nil {
			t.Errorf("%s passes the verb rule", bad)
		}
	}
	accessor := Func{Name: "xml", Params: []Param{Options(Opt("inactive", "boolean"))}, Returns: []Result{{Type: "string"}}}
	if err := CheckMethodName(accessor); err != nil {
		t.Errorf("accessor: %v", err)
	}
	if CheckMethodName(Func{Name: "frob", Params: []Param{{Name: "x", Type: "string"}}, Returns: []Result{{Type: "string"}}}) == nil {
		t.Errorf("a method with a required parameter passes as an accessor")
	}
}
