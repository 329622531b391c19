package vlan_test

import (
	"net"
	"testing"

	"github.com/vishvananda/netlink"

	"rewire/bindings/bond/kerneltest"
	"rewire/bindings/link"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/bindings/vlan"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// On this project's own kernel (no 802.1Q): the clear error, nothing changed.
func TestCreateWithoutVLANSupport(t *testing.T) {
	if vlan.Supported() == nil {
		t.Skip("this kernel has 802.1Q")
	}
	tg := nstest.New(t)
	store, err := tx.OpenStore(t.TempDir())
	must(t, err)
	s := &tx.Session{Store: store, Target: tg}
	before, err := kerneltest.Snapshot(tg)
	must(t, err)
	if err := vlan.Create(s, "lo", 100, vlan.Options{}); err == nil || err.Error() != vlan.ErrNoVLAN.Error() {
		t.Fatalf("got %v", err)
	}
	if s.Current() != nil {
		t.Fatal("a transaction was begun")
	}
	after, err := kerneltest.Snapshot(tg)
	must(t, err)
	if after != before {
		t.Fatalf("the namespace changed:\n%s\n%s", before, after)
	}
}

// A VLAN reads back with its id and parent; link.delete removes it and
// rollback recreates it with its MAC, MTU and address; the create's undo
// leaves the parent as it was.
func TestCreateDeleteRollback(t *testing.T) {
	kerneltest.NeedVM(t)
	tg := nstest.New(t)
	must(t, kerneltest.NoIPv6(tg))
	store, err := tx.OpenStore(t.TempDir())
	must(t, err)
	s := &tx.Session{Store: store, Target: tg}
	hh, _ := tg.Handle()
	attrs := netlink.NewLinkAttrs()
	attrs.Name = "eth0"
	attrs.HardwareAddr, _ = net.ParseMAC("52:54:00:00:00:e0")
	must(t, hh.LinkAdd(&netlink.Dummy{LinkAttrs: attrs}))
	if err := vlan.Create(s, "eth0", 100, vlan.Options{}); err == nil || s.Current() != nil {
		t.Fatalf("a VLAN on a down parent: %v", err)
	}
	eth0, _ := hh.LinkByName("eth0")
	must(t, hh.LinkSetUp(eth0))
	before, err := kerneltest.Snapshot(tg)
	must(t, err)

	must(t, vlan.Create(s, "eth0", 100, vlan.Options{}))
	must(t, vlan.Create(s, "eth0", 200, vlan.Options{Name: "mgmt"}))
	v, err := vlan.Get(tg, "eth0.100")
	must(t, err)
	if v.Parent != "eth0" || v.ID != 100 || !v.Up || v.MAC != "52:54:00:00:00:e0" {
		t.Fatalf("eth0.100: %+v", v)
	}
	if v, err = vlan.Get(tg, "mgmt"); err != nil || v.ID != 200 {
		t.Fatalf("mgmt: %+v %v", v, err)
	}
	if err := vlan.Create(s, "eth0", 100, vlan.Options{Name: "again"}); err == nil {
		t.Fatal("a second VLAN 100 on eth0 was accepted")
	}
	if _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	l, _ := hh.LinkByName("mgmt")
	a, _ := netlink.ParseAddr("192.0.2.1/24")
	must(t, hh.AddrAdd(l, a))
	must(t, hh.LinkSetMTU(l, 1400))
	mid, err := kerneltest.Snapshot(tg)
	must(t, err)

	must(t, link.Delete(s, "mgmt"))
	if link.Exists(tg, "mgmt") {
		t.Fatal("mgmt still exists")
	}
	must(t, s.Rollback().Err())
	if now, _ := kerneltest.Snapshot(tg); now != mid {
		t.Fatalf("recreated VLAN differs:\nbefore %s\nafter  %s", mid, now)
	}

	// Undo the creates too: back to the plain parent.
	must(t, vlan.Delete(s, "mgmt"))
	must(t, vlan.Delete(s, "eth0.100"))
	if _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	list, err := vlan.List(tg)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("left: %+v", list)
	}
	if now, _ := kerneltest.Snapshot(tg); now != before {
		t.Fatalf("differs from the start:\nbefore %s\nafter  %s", before, now)
	}
}
