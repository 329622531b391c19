package domain

import (
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/virtconn"
	"rewire/lua/engine"
)

func TestListGetInterfaces(t *testing.T) {
	s := testDriver(t)
	all, err := List(s.Target)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Name != "vm1" || all[0].State != "running" || all[1].Name != "vm2" {
		t.Fatalf("list: %+v", all)
	}
	nics, err := Interfaces(s.Target, "vm2")
	if err != nil {
		t.Fatal(err)
	}
	want := []NIC{
		{Dev: "testnet0", Type: "network", Source: "default", Model: "virtio", MAC: "52:54:00:35:29:ea", PCI: "0000:00:03.0"},
		{Dev: "testnet1", Type: "network", Source: "isolated", Model: "e1000", MAC: "52:54:00:35:29:eb", PCI: "0000:00:04.0"},
	}
	// The test driver hands out a lease per NIC; the IP must be in the NIC's network.
	if len(nics) != 2 || !strings.HasPrefix(nics[0].IP, "192.168.122.") || !strings.HasPrefix(nics[1].IP, "172.16.1.") {
		t.Fatalf("leased IPs: %+v", nics)
	}
	nics[0].IP, nics[1].IP = "", ""
	if nics[0] != want[0] || nics[1] != want[1] {
		t.Fatalf("interfaces:\n got %+v\nwant %+v", nics, want)
	}
}

func addBridge(t *testing.T, s interface {
	Handle() (*netlink.Handle, error)
}, name string) {
	t.Helper()
	h, err := s.Handle()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.LinkAdd(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name}}); err != nil {
		t.Fatal(err)
	}
}

// TestSetInterfaceConfigRollback re-points vm2's first NIC in its
// persistent XML (the test driver has no update-device), checks only that
// NIC changed, then rolls back and checks the XML is byte for byte the old one.
func TestSetInterfaceConfigRollback(t *testing.T) {
	s := testDriver(t)
	addBridge(t, s.Target, "br0")
	before := inactiveXML(t, s, "vm2")
	if err := SetInterface(s, "vm2", "52:54:00:35:29:EA", Source{Type: "bridge", Source: "br0"}, Scope{Config: true}); err != nil {
		t.Fatal(err)
	}
	var old, now libvirtxml.Domain
	old.Unmarshal(before)
	now.Unmarshal(inactiveXML(t, s, "vm2"))
	n := now.Devices.Interfaces[0]
	if NICType(&n) != "bridge" || NICSource(&n) != "br0" || n.Model.Type != "virtio" || *n.Address.PCI.Slot != 3 {
		t.Fatalf("NIC after re-point: %+v", n)
	}
	if now.UUID != old.UUID || NICSource(&now.Devices.Interfaces[1]) != "isolated" {
		t.Fatalf("re-point changed the UUID or the other NIC")
	}
	if steps := s.Current().Steps(); len(steps) != 1 || !strings.Contains(steps[0].Desc, "network default -> bridge br0 (config)") {
		t.Fatalf("journal: %+v", steps[0])
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	if after := inactiveXML(t, s, "vm2"); after != before {
		t.Fatalf("rollback did not restore the XML:\n%s\nwant\n%s", after, before)
	}
}

// TestBadInputChangesNothing: a missing bridge, an unknown domain, an
// unknown MAC, a bad MAC, malformed XML: one clear line, no change made.
func TestBadInputChangesNothing(t *testing.T) {
	s := testDriver(t)
	addBridge(t, s.Target, "br0")
	h, _ := s.Target.Handle()
	if err := h.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "veth0"}, PeerName: "veth1"}); err != nil {
		t.Fatal(err)
	}
	before := inactiveXML(t, s, "vm1")
	br := func(name string) Source { return Source{Type: "bridge", Source: name} }
	cases := []struct {
		name string
		err  error
		kind string
		want string
	}{
		{"missing bridge", SetInterface(s, "vm1", "52:54:00:0c:8b:d2", br("br9"), Scope{Config: true}), engine.KindNotFound, "bridge br9 does not exist on test"},
		{"not a bridge", SetInterface(s, "vm1", "52:54:00:0c:8b:d2", br("veth0"), Scope{Config: true}), engine.KindInvalid, "veth0 is a veth, not a bridge"},
		{"unknown network", SetInterface(s, "vm1", "52:54:00:0c:8b:d2", Source{Type: "network", Source: "nope"}, Scope{Config: true}), engine.KindNotFound, "nope"},
		{"unknown domain", SetInterface(s, "vm9", "52:54:00:0c:8b:d2", br("br0"), Scope{Config: true}), engine.KindNotFound, "vm9"},
		{"unknown MAC", SetInterface(s, "vm1", "52:54:00:99:99:99", br("br0"), Scope{Config: true}), engine.KindNotFound, "domain vm1 has no NIC with MAC 52:54:00:99:99:99"},
		{"bad MAC", SetInterface(s, "vm1", "52:54:zz", br("br0"), Scope{Config: true}), engine.KindInvalid, `bad MAC address "52:54:zz"`},
		{"detach unknown MAC", DetachInterface(s, "vm1", "52:54:00:99:99:99", Scope{Config: true}), engine.KindNotFound, "no NIC with MAC"},
		{"malformed XML", func() error { _, err := Define(s, "<domain type='test'><name>vm1</name"); return err }(), engine.KindInvalid, "malformed domain XML"},
		{"unknown domain start", Start(s, "vm9"), engine.KindNotFound, "vm9"},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		msg := c.err.Error()
		if !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") || strings.Contains(msg, "virError") {
			t.Errorf("%s: error %q, want one line with %q", c.name, msg, c.want)
		}
		if k := engine.KindOf(c.err); k != c.kind {
			t.Errorf("%s: kind %s, want %s", c.name, k, c.kind)
		}
	}
	if s.Current() != nil && len(s.Current().Steps()) != 0 {
		t.Errorf("bad input left changes in the journal: %+v", s.Current().Steps())
	}
	if after := inactiveXML(t, s, "vm1"); after != before {
		t.Errorf("bad input changed vm1")
	}
}

func TestDaemonNotRunning(t *testing.T) {
	s := testDriver(t)
	s.Target.LibvirtURI = "qemu+unix:///system?socket=" + t.TempDir() + "/no-such-sock"
	_, err := List(s.Target)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "cannot connect") {
		t.Fatalf("no daemon: %v", err)
	}
	err = SetInterface(s, "vm1", "52:54:00:0c:8b:d2", Source{Type: "bridge", Source: "br0"}, Scope{Config: true})
	if err == nil || !strings.Contains(err.Error(), "cannot connect") {
		t.Fatalf("no daemon: %v", err)
	}
	if s.Current() != nil {
		t.Fatal("a transaction was begun without a daemon")
	}
}

// TestDefineKeepsUUIDAndRollsBack redefines vm1 from XML without a UUID
// (as users paste it), then rolls back to the exact old definition.
func TestDefineKeepsUUIDAndRollsBack(t *testing.T) {
	s := testDriver(t)
	before := inactiveXML(t, s, "vm1")
	var def libvirtxml.Domain
	def.Unmarshal(before)
	uuid := def.UUID
	def.UUID = ""
	def.Memory = &libvirtxml.DomainMemory{Value: 128, Unit: "MiB"}
	x, _ := def.Marshal()
	if _, err := Define(s, x); err != nil {
		t.Fatal(err)
	}
	in, err := Get(s.Target, "vm1")
	if err != nil || in.UUID != uuid {
		t.Fatalf("uuid %s, want %s (%v)", in.UUID, uuid, err)
	}
	if !strings.Contains(inactiveXML(t, s, "vm1"), "<memory unit='KiB'>131072</memory>") {
		t.Fatal("redefine did not apply")
	}
	// A new guest, then lifecycle changes on it.
	def.Name, def.UUID = "vm3", ""
	def.Devices.Interfaces = nil
	x, _ = def.Marshal()
	if _, err := Define(s, x); err != nil {
		t.Fatal(err)
	}
	if err := Start(s, "vm3"); err != nil {
		t.Fatal(err)
	}
	if err := Destroy(s, "vm1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := Get(s.Target, "vm3"); !isNotFound(err) {
		t.Fatalf("vm3 still there after rollback: %v", err)
	}
	if in, _ := Get(s.Target, "vm1"); in.State != "running" {
		t.Fatalf("vm1 %s after rollback, want running", in.State)
	}
	if after := inactiveXML(t, s, "vm1"); after != before {
		t.Fatalf("rollback did not restore vm1:\n%s", after)
	}
}

// TestHotplugConfigRollback attaches and detaches NICs in the persistent
// XML and rolls both back.
func TestHotplugConfigRollback(t *testing.T) {
	s := testDriver(t)
	addBridge(t, s.Target, "br0")
	before := inactiveXML(t, s, "vm2")
	mac, err := AttachInterface(s, "vm2", Source{Type: "bridge", Source: "br0", Model: "virtio"}, "", Scope{Config: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mac, "52:54:00:") || !strings.Contains(inactiveXML(t, s, "vm2"), mac) {
		t.Fatalf("attached MAC %s not in XML", mac)
	}
	if err := DetachInterface(s, "vm2", "52:54:00:35:29:eb", Scope{Config: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(inactiveXML(t, s, "vm2"), "52:54:00:35:29:eb") {
		t.Fatal("detached NIC still in XML")
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	if after := inactiveXML(t, s, "vm2"); after != before {
		t.Fatalf("rollback did not restore vm2:\n%s", after)
	}
}

// TestRecoverFromJournal replays the undo of a re-point from the journal
// alone, as `rewire recover` does after a kill -9.
func TestRecoverFromJournal(t *testing.T) {
	s := testDriver(t)
	addBridge(t, s.Target, "br0")
	before := inactiveXML(t, s, "vm1")
	if err := SetInterface(s, "vm1", "52:54:00:0c:8b:d2", Source{Type: "bridge", Source: "br0"}, Scope{Config: true}); err != nil {
		t.Fatal(err)
	}
	s.Current().Detach() // the process "dies": the journal stays open
	ids, err := s.Store.Recover(nil)
	if err != nil || len(ids) != 1 {
		t.Fatalf("recover: %v %v", ids, err)
	}
	if after := inactiveXML(t, s, "vm1"); after != before {
		t.Fatal("recover did not restore vm1")
	}
	// Undo twice is harmless (idempotent).
	if err := restoreNIC(s.Target, nicUndo{Domain: "vm1", MAC: "52:54:00:0c:8b:d2", Config: before}); err != nil {
		t.Fatal(err)
	}
	if err := restoreNIC(s.Target, nicUndo{Domain: "gone", MAC: "52:54:00:0c:8b:d2", Config: before}); err != nil {
		t.Fatalf("undo on a vanished guest: %v", err)
	}
	_ = virtconn.URI(s.Target)
}
