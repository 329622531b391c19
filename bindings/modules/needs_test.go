package modules

import (
	"os"
	"path/filepath"
	"testing"
)

func TestNeedsLibvirt(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "guests.lua"), []byte("return { list = function() return domain.list() end }"), 0o644)
	os.WriteFile(filepath.Join(dir, "plain.lua"), []byte("return { up = function(n) link.set(n, {up = true}) end }"), 0o644)
	os.WriteFile(filepath.Join(dir, "loop.lua"), []byte("local me = require 'loop'; return me"), 0o644)
	cases := []struct {
		src  string
		want bool
	}{
		{`local nothing = 0`, false},
		{`bridge.create("br0"); addr.move("eth0", "br0")`, false},
		{`for _, d in ipairs(domain.list()) do print(d.name) end`, true},
		{`print(network.list())`, true},
		{`-- re-point every domain NIC later`, true},       // a comment: yes, to be safe
		{`local n = require "bridge"`, false},              // a binding
		{`local g = require("guests")`, true},              // beside the script, names domain
		{`local p = require 'plain'`, false},               // beside the script, names none
		{`local l = require 'loop'`, false},                // requires itself: looked at once
		{`local r = require "repair"`, true},               // the stdlib's repair reads guests
		{`local m = "guests"; local g = require(m)`, true}, // a name rewire cannot read
		{`local x = require "missing"`, false},             // fails on its own, in one line
		{`print(domains, subnetwork, "network_x")`, false}, // other words
	}
	for _, c := range cases {
		if got := NeedsLibvirt(c.src, dir); got != c.want {
			t.Errorf("NeedsLibvirt(%q) = %v, want %v", c.src, got, c.want)
		}
	}
}
