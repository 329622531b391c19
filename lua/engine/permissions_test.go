package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestHeaderReadsOnlyTheLeadingComments(t *testing.T) {
	for src, want := range map[string]string{
		"-- rewire: allow=exec,files\nprint(1)":                        "exec,files",
		"#!/usr/bin/env rewire\n\n-- a recipe\n-- rewire: allow=net\n": "net",
		"-- rewire: allow=exec\n-- rewire: allow=files\n":              "exec,files",
		"-- rewire: allow=\nprint(1)":                                  "",
		"print(1)\n-- rewire: allow=exec":                              "",
		"--[[ block\n-- rewire: allow=exec\n]]":                        "",
		"local x = 1 -- rewire: allow=exec":                            "",
		"":                                                             "",
	} {
		got, err := Header(src)
		if err != nil {
			t.Errorf("%q: %v", src, err)
			continue
		}
		if got.String() != want {
			t.Errorf("%q: got %q, want %q", src, got, want)
		}
	}
}

func TestHeaderRejectsUnknownNames(t *testing.T) {
	for src, want := range map[string]string{
		"-- rewire: allow=exec,root": `line 1: unknown capability "root" (known: exec, files, net)`,
		"--\n-- rewire: deny=exec":   `line 2: unknown header key "deny"`,
	} {
		_, err := Header(src)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", src, err, want)
		}
	}
	if _, err := ParseCaps("exec, files"); err != nil {
		t.Errorf("ParseCaps with a space: %v", err)
	}
	if _, err := ParseCaps("exce"); err == nil || KindOf(err) != KindInvalid {
		t.Errorf("ParseCaps typo: %v", err)
	}
}

// gated is a module with one function per capability; each call is
// counted, so a test sees that a denied call never ran.
func gated(calls *int) Module {
	f := func(L *lua.LState) int { *calls++; return 0 }
	return Module{Name: "g", Funcs: []Func{
		{Name: "run", Needs: CapExec, Fn: f},
		{Name: "write", Needs: CapFiles, Fn: f},
		{Name: "free", Fn: f},
	}}
}

func writeScript(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScriptAskingForMoreThanGrantedIsRefusedBeforeItRuns(t *testing.T) {
	var calls int
	e := New(nil, gated(&calls))
	defer e.Close()
	var out bytes.Buffer
	e.Out = &out
	e.Grant(Caps{CapFiles: true})
	p := writeScript(t, t.TempDir(), "share.lua", "-- rewire: allow=exec,files\nprint('ran')\ng.free()\n")
	err := e.DoFile(context.Background(), p, nil)
	if err == nil || err.Kind != KindDenied {
		t.Fatalf("want denied, got %v", err)
	}
	want := "run share.lua: the script asks for exec,files; not granted: exec: run programs; rerun with --allow exec,files if you trust it"
	if err.Error() != want {
		t.Fatalf("got  %q\nwant %q", err.Error(), want)
	}
	if out.Len() != 0 || calls != 0 {
		t.Fatalf("the script ran: %q, %d calls", out.String(), calls)
	}
}

func TestUndeclaredGatedCallIsDenied(t *testing.T) {
	var calls int
	e := New(nil, gated(&calls))
	defer e.Close()
	e.Grant(Caps{CapExec: true, CapFiles: true})
	dir := t.TempDir()
	// Granted by the user, but only files is declared: exec stays shut.
	p := writeScript(t, dir, "s.lua", "-- rewire: allow=files\ng.write()\ng.free()\n"+
		"local ok, e = pcall(g.run)\nassert(not ok and e.kind == 'denied', tostring(e))\ng.run()\n")
	err := e.DoFile(context.Background(), p, nil)
	if err == nil || err.Kind != KindDenied || err.Op != "g.run" {
		t.Fatalf("want g.run denied, got %#v", err)
	}
	want := "s.lua:6: g.run: needs capability exec (run programs): declare it in the script's header (-- rewire: allow=exec) and grant it (--allow exec)"
	if err.Error() != want {
		t.Fatalf("got  %q\nwant %q", err.Error(), want)
	}
	if calls != 2 {
		t.Fatalf("want write and free to run (2 calls), got %d", calls)
	}
}

func TestChunksRunWithTheGrant(t *testing.T) {
	var calls int
	e := New(nil, gated(&calls))
	defer e.Close()
	if err, _ := run(t, e, "g.run()"); err == nil || err.Kind != KindDenied {
		t.Fatalf("nothing granted: want denied, got %v", err)
	}
	e.Grant(Caps{CapExec: true})
	if err, _ := run(t, e, "g.run()"); err != nil || calls != 1 {
		t.Fatalf("granted exec: %v, %d calls", err, calls)
	}
}

func TestRequiredModuleCannotWidenGrants(t *testing.T) {
	var calls int
	e := New(nil, gated(&calls))
	defer e.Close()
	e.Grant(Caps{CapExec: true, CapFiles: true})
	dir := t.TempDir()
	writeScript(t, dir, "wider.lua", "-- rewire: allow=exec\nreturn {}\n")
	writeScript(t, dir, "sneaky.lua", "g.run()\nreturn {}\n") // declares nothing, calls a gated function
	writeScript(t, dir, "narrow.lua", "-- rewire: allow=files\nreturn { w = function() g.write() end }\n")
	p := writeScript(t, dir, "main.lua", `-- rewire: allow=files
require("narrow").w()
local ok, e = pcall(require, "sneaky")
assert(not ok and e.kind == "denied" and e.op == "g.run", tostring(e))
require "wider"
`)
	err := e.DoFile(context.Background(), p, nil)
	if err == nil || err.Kind != KindDenied || err.Op != "require" || err.Object != "wider" {
		t.Fatalf("want require wider denied, got %#v", err)
	}
	if !strings.Contains(err.Message, "the module asks for exec (exec: run programs), which the script does not have") {
		t.Fatalf("message: %s", err.Message)
	}
	if calls != 1 {
		t.Fatalf("want only narrow's write to run, got %d calls", calls)
	}
}

func TestDocsNameTheCapability(t *testing.T) {
	var calls int
	doc, err := Doc([]Module{gated(&calls)}, "g.run")
	if err != nil || !strings.Contains(doc, "Needs capability exec.") {
		t.Fatalf("%v %q", err, doc)
	}
}
