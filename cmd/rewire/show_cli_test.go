package main

import (
	"encoding/json"
	"strings"
	"testing"

	"rewire/bindings/overview"
)

// `rewire show` on the lab, before and after nat-to-bridge.lua: the
// bridges with their ports and whose taps they are, the guests with
// their NICs, the networks; the same data as JSON.
func TestShowTheLabBeforeAndAfterTheMigration(t *testing.T) {
	bin, env := withLab(t)
	read := func() *overview.Overview {
		t.Helper()
		var o overview.Overview
		out := rewire(t, bin, env, "show", "--lab", "--json")
		if err := json.Unmarshal([]byte(out), &o); err != nil {
			t.Fatalf("show --json: %v\n%s", err, out)
		}
		if len(o.Missing) > 0 {
			t.Fatalf("show could not read: %v", o.Missing)
		}
		return &o
	}
	portsOf := func(o *overview.Overview, br string) map[string]string {
		for _, b := range o.Bridges {
			if b.Name == br {
				m := map[string]string{}
				for _, p := range b.Ports {
					m[p.Name] = p.Guest
				}
				return m
			}
		}
		return nil
	}
	guestNIC := func(o *overview.Overview, guest string) (typ, src, tap string) {
		for _, g := range o.Guests {
			if g.Name == guest && len(g.NICs) > 0 {
				return g.NICs[0].Type, g.NICs[0].Source, g.NICs[0].Dev
			}
		}
		return "", "", ""
	}

	o := read()
	typ, src, tap := guestNIC(o, "vm1")
	if typ != "network" || src != "default" || tap == "" {
		t.Fatalf("vm1's NIC before: %s %s %s (%+v)", typ, src, tap, o.Guests)
	}
	if portsOf(o, "virbr0")[tap] != "vm1" {
		t.Fatalf("virbr0's ports do not name vm1's tap %s: %+v", tap, o.Bridges)
	}
	if len(o.Networks) == 0 || o.Networks[0].Name != "default" || !o.Networks[0].Active {
		t.Fatalf("networks: %+v", o.Networks)
	}
	human := rewire(t, bin, env, "show", "--lab")
	for _, want := range []string{"BRIDGE", "virbr0", "GUEST", "vm1", "NETWORK", "default", "transactions: none open or pending"} {
		if !strings.Contains(human, want) {
			t.Fatalf("show lacks %q:\n%s", want, human)
		}
	}
	t.Logf("rewire show --lab:\n%s", human)

	rewire(t, bin, env, "run", "--lab", "examples/nat-to-bridge.lua")
	o = read()
	typ, src, tap = guestNIC(o, "vm1")
	ports := portsOf(o, "br0")
	if typ != "bridge" || src != "br0" || ports[tap] != "vm1" {
		t.Fatalf("after the migration vm1's NIC is %s %s %s; br0's ports %v", typ, src, tap, ports)
	}
	if _, ok := ports["eth0"]; !ok {
		t.Fatalf("eth0 is not a port of br0: %v", ports)
	}
}
