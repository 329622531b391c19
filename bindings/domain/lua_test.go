package domain

import (
	"context"
	"strings"
	"testing"

	"rewire/bindings/virtnet"
	"rewire/lua/engine"
)

// TestLuaModule drives the domain and network modules from Lua on the
// test driver: objects, list rows with methods, one-line errors by kind.
func TestLuaModule(t *testing.T) {
	s := testDriver(t)
	addBridge(t, s.Target, "br0")
	var out strings.Builder
	e := engine.New(&out, Module(s), virtnet.Module(s))
	defer e.Close()
	script := `
local d = domain.get("vm2")
assert(tostring(d) == "<domain vm2 running, 2 nics>", tostring(d))
assert(d:name() == "vm2" and d:state() == "running")
local nics = d:interfaces()
assert(#nics == 2 and nics[1].mac == "52:54:00:35:29:ea" and nics[1].pci == "0000:00:03.0")
local rows = domain.list()
assert(#rows == 2 and rows[1].name == "vm1" and #rows[1]:interfaces() == 1)
d:set_interface("52:54:00:35:29:ea", { type = "bridge", source = "br0" }, { config = true })
assert(d:xml({ inactive = true }):find("<source bridge=\"br0\"") or d:xml({ inactive = true }):find("<source bridge='br0'"))
print(domain.list())
print(d:interfaces())
local ok, err = pcall(function() domain.get("nope") end)
assert(not ok and err.kind == "not_found" and tostring(err):find("domain.get nope: no domain named nope"), tostring(err))
ok, err = pcall(function() d:set_interface("52:54:00:35:29:ea", { type = "bridge", source = "br9" }, { config = true }) end)
assert(not ok and err.kind == "not_found" and tostring(err):find("bridge br9 does not exist"), tostring(err))
ok, err = pcall(function() d:set_interface("52:54:00:35:29:ea", { type = "bridge", source = "br0", bogus = 1 }) end)
assert(not ok and err.kind == "invalid" and tostring(err):find("unknown option bogus"), tostring(err))
ok, err = pcall(function() domain.define("<domain") end)
assert(not ok and err.kind == "invalid", tostring(err))
local n = network.get("default")
assert(n.forward == "nat" and n.bridge == "virbr0" and n.ips[1].ranges[1].start == "192.168.122.2")
assert(#network.list() == 2)
`
	if err := e.DoString(context.Background(), script, "lua-test"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "name  state    autostart") || !strings.Contains(out.String(), "dev       type     source") {
		t.Errorf("printed tables:\n%s", out.String())
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
}

// TestLuaNICSelectors: where two NICs share a MAC, set_interface and
// detach_interface take {alias=} or {pci=}, and :interfaces() shows both.
func TestLuaNICSelectors(t *testing.T) {
	s := testDriver(t)
	addBridge(t, s.Target, "br0")
	defineFixture(t, s, "teaming.xml")
	var out strings.Builder
	e := engine.New(&out, Module(s))
	defer e.Close()
	script := `
local d = domain.get("team")
local nics = d:interfaces()
assert(#nics == 3 and nics[2].alias == "ua-net1" and nics[2].pci == "0000:00:04.0" and nics[1].mac == nics[2].mac)
local ok, err = pcall(function() d:set_interface(nics[1].mac, { type = "bridge", source = "br0" }) end)
assert(not ok and err.kind == "invalid" and err.object == "team 52:54:00:a8:b2:01", tostring(err))
assert(err.message == "team has 2 NICs with MAC 52:54:00:a8:b2:01: alias ua-net0 (network default), alias ua-net1 (hostdev); choose with {alias=} or {pci=}", err.message)
ok, err = pcall(function() d:detach_interface(nics[1].mac) end)
assert(not ok and err.kind == "invalid", tostring(err))
d:set_interface({ alias = "ua-net1" }, { type = "bridge", source = "br0" }, { config = true })
nics = d:interfaces()
assert(nics[1].source == "default" and nics[2].type == "bridge" and nics[2].source == "br0", nics[2].type)
d:detach_interface({ pci = "0000:00:05.0" })
assert(#d:interfaces() == 2)
ok, err = pcall(function() d:detach_interface({ alias = "ua-nope" }) end)
assert(not ok and err.kind == "not_found" and err.object == "team alias=ua-nope", tostring(err))
ok, err = pcall(function() d:set_interface({ slot = 3 }, { type = "bridge", source = "br0" }) end)
assert(not ok and err.kind == "invalid" and tostring(err):find("unknown option slot"), tostring(err))
ok, err = pcall(function() d:set_interface({}, { type = "bridge", source = "br0" }) end)
assert(not ok and err.kind == "invalid", tostring(err))
ok, err = pcall(function() d:detach_interface(true) end)
assert(not ok and err.kind == "invalid", tostring(err))
print(d:interfaces())
`
	if err := e.DoString(context.Background(), script, "lua-test"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "alias") || !strings.Contains(out.String(), "ua-net0") {
		t.Errorf("printed interfaces lack aliases:\n%s", out.String())
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
}
