package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

func run(t *testing.T, e *Engine, src string) (*Error, string) {
	t.Helper()
	var out bytes.Buffer
	e.Out = &out
	err := e.DoString(context.Background(), src, "t.lua")
	return err, out.String()
}

func TestSandboxHasNoWayOut(t *testing.T) {
	e := New(nil)
	defer e.Close()
	for _, name := range []string{"io", "dofile", "loadfile", "module", "debug", "package"} {
		if err, out := run(t, e, "print(type("+name+"))"); err != nil || strings.TrimSpace(out) != "nil" {
			t.Errorf("%s is reachable: %v %q", name, err, out)
		}
	}
	for _, fn := range []string{"execute", "remove", "rename", "exit", "tmpname"} {
		if err, out := run(t, e, "print(type(os."+fn+"))"); err != nil || strings.TrimSpace(out) != "nil" {
			t.Errorf("os.%s is reachable: %v %q", fn, err, out)
		}
	}
	if err, out := run(t, e, `print(type(os.time()), os.date("!%Y", 0))`); err != nil || strings.TrimSpace(out) != "number\t1970" {
		t.Errorf("restricted os: %v %q", err, out)
	}
}

func TestRequireFindsStdlibThenScriptDirOnly(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "helper.lua"), []byte(`return { answer = 42 }`), 0o644)
	os.WriteFile(filepath.Join(dir, "main.lua"), []byte(`
		local h = require "helper"
		local u = require "util"
		print(h.answer, #u.filter({1, 2, 3}, function(x) return x > 1 end), require("helper") == h)`), 0o644)
	e := New(nil)
	defer e.Close()
	var out bytes.Buffer
	e.Out = &out
	if err := e.DoFile(context.Background(), filepath.Join(dir, "main.lua"), nil); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != "42\t2\ttrue" {
		t.Fatalf("got %q", got)
	}
	for src, want := range map[string]string{
		`require "nosuch"`:      "require nosuch: module not found (looked in the stdlib, " + dir + ")",
		`require "../etc/x"`:    "module names are dotted words, not paths",
		`require "/etc/passwd"`: "module names are dotted words, not paths",
	} {
		err := e.DoString(context.Background(), src, "t.lua")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want %q, got %v", src, want, err)
		}
	}
}

func TestCancelledContextStopsALoop(t *testing.T) {
	e := New(nil)
	defer e.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	err := e.DoString(ctx, "while true do end", "loop.lua")
	if err == nil || err.Kind != KindCancelled {
		t.Fatalf("want a cancelled error, got %v", err)
	}
}

func TestStructuredErrorFromAGoFunction(t *testing.T) {
	mod := Module{Name: "m", Funcs: []Func{{Name: "f", Fn: func(L *lua.LState) int {
		return Raise(L, "m.f", "br0 eth9", NotFound("no such interface"))
	}}}}
	e := New(nil, mod)
	defer e.Close()
	err, _ := run(t, e, "\nm.f()")
	if err == nil || err.Error() != "t.lua:2: m.f br0 eth9: no such interface" || err.Kind != KindNotFound {
		t.Fatalf("got %#v", err)
	}
	err, out := run(t, e, `local ok, e = pcall(m.f); print(ok, e.kind, tostring(e))`)
	if err != nil || strings.TrimSpace(out) != "false\tnot_found\tt.lua:1: m.f br0 eth9: no such interface" {
		t.Fatalf("pcall: %v %q", err, out)
	}
	err, _ = run(t, e, "if then")
	if err == nil || err.Kind != KindScript || strings.Contains(err.Error(), "\n") {
		t.Fatalf("syntax error: %#v", err)
	}
}

func TestChecksRunAfterAndReportFailures(t *testing.T) {
	e := New(nil)
	defer e.Close()
	if err, _ := run(t, e, `check("yes", function() return true end)
		check("no", function() return false end)
		check("boom", function() error("bad") end)`); err != nil {
		t.Fatal(err)
	}
	res, ok := e.RunChecks(context.Background())
	if ok || len(res) != 3 || !res[0].OK || res[1].OK || res[1].Err != "returned false" || !strings.Contains(res[2].Err, "bad") {
		t.Fatalf("got %v %+v", ok, res)
	}
}

func TestFormatLaysRecordsOutAsColumns(t *testing.T) {
	e := New(nil)
	defer e.Close()
	type row struct {
		Bridge     string   `json:"bridge"`
		STP        string   `json:"stp"`
		Interfaces []string `json:"interfaces"`
	}
	e.L.SetGlobal("rows", Records(e.L, []row{{"br0", "no", []string{"eth0", "vnet0"}}, {"virbr0", "yes", []string{}}}, []string{"bridge", "stp", "interfaces"}))
	_, out := run(t, e, "print(rows)")
	want := "bridge  stp  interfaces\nbr0     no   eth0 vnet0\nvirbr0  yes\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	_, out = run(t, e, `print({ a = 1, b = "x", 3 })`)
	if strings.TrimSpace(out) != `{ 3, a = 1, b = "x" }` {
		t.Fatalf("table: %q", out)
	}
}
