package domain

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"rewire/lua/engine"

	"libvirt.org/go/libvirtxml"
)

// domain.set_interfaces re-points NICs of several guests in one call:
// each NIC is one journaled change, the XML differs in those NICs only,
// and rollback gives every guest's XML back byte for byte. A bad entry
// anywhere is named by its position and nothing changes.
func TestSetInterfacesManyGuests(t *testing.T) {
	s := testDriver(t)
	addBridge(t, s.Target, "br0")
	before := map[string]string{"vm1": inactiveXML(t, s, "vm1"), "vm2": inactiveXML(t, s, "vm2")}
	var out bytes.Buffer
	e := engine.New(&out, Module(s))
	defer e.Close()

	err := e.DoString(context.Background(), `domain.set_interfaces{
		{ domain = "vm1", nic = "52:54:00:0c:8b:d2", source = { type = "bridge", source = "br0" }, config = true },
		{ domain = "vm2", nic = "52:54:00:35:29:ea", source = { type = "bridge", source = "br9" }, config = true },
	}`, "bad.lua")
	if err == nil || !strings.Contains(err.Error(), "domain.set_interfaces 2 NICs: NIC change #2 (vm2 MAC 52:54:00:35:29:ea): bridge br9 does not exist") {
		t.Fatalf("a missing bridge in entry 2: %v", err)
	}
	if err := e.DoString(context.Background(), `domain.set_interfaces{ { domain = "vm1", nic = "52:54:00:0c:8b:d2" } }`, "short.lua"); err == nil ||
		!strings.Contains(err.Error(), "domain.set_interfaces #1: want {domain=, nic=, source=}") {
		t.Fatalf("an entry without a source: %v", err)
	}
	if s.Current() != nil && len(s.Current().Steps()) != 0 {
		t.Fatalf("refused lists made changes: %d", len(s.Current().Steps()))
	}
	for n, x := range before {
		if inactiveXML(t, s, n) != x {
			t.Fatalf("a refused list changed %s", n)
		}
	}

	if err := e.DoString(context.Background(), `domain.set_interfaces{
		{ domain = "vm1", nic = "52:54:00:0c:8b:d2", source = { type = "bridge", source = "br0" }, config = true },
		{ domain = "vm2", nic = "52:54:00:35:29:ea", source = { type = "bridge", source = "br0" }, config = true },
		{ domain = "vm2", nic = { mac = "52:54:00:35:29:eb" }, source = { type = "bridge", source = "br0" }, config = true },
	}`, "ok.lua"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct{ dom, mac string }{{"vm1", "52:54:00:0c:8b:d2"}, {"vm2", "52:54:00:35:29:ea"}, {"vm2", "52:54:00:35:29:eb"}} {
		x := inactiveXML(t, s, want.dom)
		if !strings.Contains(x, "<source bridge='br0'/>") && !strings.Contains(x, `<source bridge="br0"`) {
			t.Fatalf("%s NIC %s not re-pointed:\n%s", want.dom, want.mac, x)
		}
	}
	steps := s.Current().Steps()
	if len(steps) != 3 {
		t.Fatalf("want one change per NIC, got %d", len(steps))
	}
	// vm2's NICs went in the order given.
	var vm2 []string
	for _, st := range steps {
		if strings.HasPrefix(st.Desc, "vm2 ") {
			vm2 = append(vm2, st.Desc)
		}
	}
	if len(vm2) != 2 || !strings.Contains(vm2[0], ":ea") || !strings.Contains(vm2[1], ":eb") {
		t.Fatalf("vm2's changes out of order: %q", vm2)
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	for n, x := range before {
		if got := inactiveXML(t, s, n); got != x {
			t.Fatalf("rollback did not restore %s:\n%s\nwant\n%s", n, got, x)
		}
	}
}

// A change that libvirt refuses half-way (the test driver has no
// update-device: a live re-point fails as it is made) is returned naming
// the guest and NIC; what the other guests got is undone exactly by the
// rollback that follows, as after any failed step.
func TestSetInterfacesFailureHalfWay(t *testing.T) {
	s := testDriver(t)
	addBridge(t, s.Target, "br0")
	before := map[string]string{"vm1": inactiveXML(t, s, "vm1"), "vm2": inactiveXML(t, s, "vm2")}
	err := SetNICs(s, []NICChange{
		{Domain: "vm2", NIC: NICRef{MAC: "52:54:00:35:29:ea"}, Source: Source{Type: "bridge", Source: "br0"}, Scope: Scope{Config: true}},
		{Domain: "vm1", NIC: NICRef{MAC: "52:54:00:0c:8b:d2"}, Source: Source{Type: "bridge", Source: "br0"}, Scope: Scope{Live: true}},
	})
	if err == nil || !strings.HasPrefix(err.Error(), "vm1 NIC MAC 52:54:00:0c:8b:d2: ") {
		t.Fatalf("want vm1's live change refused, got %v", err)
	}
	t.Logf("refused half-way: %v", err)
	if rep := s.Rollback(); rep.Err() != nil {
		t.Fatal(rep.Err())
	}
	for n, x := range before {
		if got := inactiveXML(t, s, n); got != x {
			t.Fatalf("rollback did not restore %s", n)
		}
	}
}

// One guest's NICs are read once and its persistent XML defined once, by
// the last of its changes; when that change is refused, the NIC changed
// before it is in the persistent XML, as the journal says it is done, and
// the rollback gives the XML back byte for byte. The same NIC twice is
// refused before anything changes.
func TestSetInterfacesOneGuestRefusedHalfWay(t *testing.T) {
	s := testDriver(t)
	addBridge(t, s.Target, "br0")
	before := inactiveXML(t, s, "vm2")
	br0 := Source{Type: "bridge", Source: "br0"}
	err := SetNICs(s, []NICChange{
		{Domain: "vm2", NIC: NICRef{MAC: "52:54:00:35:29:ea"}, Source: br0, Scope: Scope{Config: true}},
		{Domain: "vm2", NIC: NICRef{MAC: "52:54:00:35:29:EA"}, Source: br0, Scope: Scope{Config: true}},
	})
	if err == nil || !strings.Contains(err.Error(), "NIC change #2") || !strings.Contains(err.Error(), "the same NIC as change #1") {
		t.Fatalf("the same NIC twice: %v", err)
	}
	if inactiveXML(t, s, "vm2") != before || (s.Current() != nil && len(s.Current().Steps()) != 0) {
		t.Fatal("a refused list changed vm2")
	}

	s.Inject = func(seq int) error {
		if seq == 2 {
			return errors.New("refused by the test")
		}
		return nil
	}
	err = SetNICs(s, []NICChange{
		{Domain: "vm2", NIC: NICRef{MAC: "52:54:00:35:29:ea"}, Source: br0, Scope: Scope{Config: true}},
		{Domain: "vm2", NIC: NICRef{MAC: "52:54:00:35:29:eb"}, Source: br0, Scope: Scope{Config: true}},
	})
	if err == nil || !strings.Contains(err.Error(), "vm2 NIC MAC 52:54:00:35:29:eb: ") {
		t.Fatalf("want vm2's second NIC refused, got %v", err)
	}
	var def libvirtxml.Domain
	if err := def.Unmarshal(inactiveXML(t, s, "vm2")); err != nil {
		t.Fatal(err)
	}
	if n := FindNIC(&def, "52:54:00:35:29:ea"); n == nil || NICSource(n) != "br0" {
		t.Errorf("the first NIC, done by the journal, is not re-pointed in the persistent XML")
	}
	if n := FindNIC(&def, "52:54:00:35:29:eb"); n == nil || NICSource(n) == "br0" {
		t.Errorf("the refused NIC is re-pointed")
	}
	if st := s.Current().Steps(); len(st) != 2 || !st[0].Done || st[1].Done && !st[1].Undone {
		t.Fatalf("steps after the refusal: %+v", st)
	}
	s.Inject = nil
	if rep := s.Rollback(); rep.Err() != nil {
		t.Fatal(rep.Err())
	}
	if got := inactiveXML(t, s, "vm2"); got != before {
		t.Fatalf("rollback did not restore vm2:\n%s\nwant\n%s", got, before)
	}
}
