package lab

import (
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"libvirt.org/go/libvirt"

	"rewire/bindings/domain"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// TestLabSharedMAC: on a real libvirtd and QEMU, a running guest gets a
// second NIC with its first NIC's MAC (libvirt allows it; virtio failover
// teaming needs it). Re-pointing by that MAC refuses, naming both by the
// aliases QEMU gave them; {alias=net1} re-points that one, live and
// persistent, and nothing else; rollback restores both views.
func TestLabSharedMAC(t *testing.T) {
	l := realLab(t)
	tg := l.Target()
	st, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := &tx.Session{Store: st, Target: tg, Script: "test"}
	h, _ := tg.Handle()
	if err := h.LinkAdd(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "br0"}}); err != nil {
		t.Fatal(err)
	}
	br0, _ := h.LinkByName("br0")
	h.LinkSetUp(br0)

	// Setup, outside the transaction: the twin NIC, at one PCI address in
	// both views.
	mac := Guests[0].MAC
	twin := `<interface type='network'><mac address='` + mac + `'/><source network='default'/><model type='virtio'/>` +
		`<address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/></interface>`
	c, err := libvirt.NewConnect(l.LibvirtURI())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := c.LookupDomainByName("vm1")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Free()
	for _, f := range []libvirt.DomainDeviceModifyFlags{libvirt.DOMAIN_DEVICE_MODIFY_LIVE, libvirt.DOMAIN_DEVICE_MODIFY_CONFIG} {
		if err := d.AttachDeviceFlags(twin, f); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := domain.XML(tg, "vm1", true)
	nics, err := domain.Interfaces(tg, "vm1")
	if err != nil || len(nics) != 2 || nics[0].Alias != "net0" || nics[1].Alias != "net1" || nics[1].PCI != "0000:00:07.0" {
		t.Fatalf("vm1 NICs: %+v %v", nics, err)
	}

	both := domain.Scope{Live: true, Config: true}
	br := domain.Source{Type: "bridge", Source: "br0"}
	err = domain.SetInterface(s, "vm1", mac, br, both)
	want := "vm1 has 2 NICs with MAC " + mac + ": alias net0 (network default), alias net1 (network default); choose with {alias=} or {pci=}"
	if err == nil || err.Error() != want || engine.KindOf(err) != engine.KindInvalid {
		t.Fatalf("re-point by a shared MAC: %v, want %q", err, want)
	}
	if err := domain.DetachInterface(s, "vm1", mac, both); err == nil || err.Error() != want {
		t.Fatalf("detach by a shared MAC: %v", err)
	}

	if err := domain.SetNIC(s, "vm1", domain.NICRef{Alias: "net1"}, br, both); err != nil {
		t.Fatal(err)
	}
	nics, _ = domain.Interfaces(tg, "vm1")
	if len(nics) != 2 || nics[0].Source != "default" || nics[1].Type != "bridge" || nics[1].Source != "br0" {
		t.Fatalf("live NICs after re-point by alias: %+v", nics)
	}
	if m := tapMaster(t, s, nics[1].Dev); m != "br0" {
		t.Errorf("net1's tap %s in %q, want br0", nics[1].Dev, m)
	}
	if m := tapMaster(t, s, nics[0].Dev); m != "virbr0" {
		t.Errorf("net0's tap %s in %q, want virbr0 still", nics[0].Dev, m)
	}
	after, _ := domain.XML(tg, "vm1", true)
	if strings.Count(after, "<source network='default'/>") != 1 || strings.Count(after, "<source bridge='br0'/>") != 1 {
		t.Fatalf("persistent XML after re-point by alias:\n%s", after)
	}

	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	nics, _ = domain.Interfaces(tg, "vm1")
	if len(nics) != 2 || nics[0].Source != "default" || nics[1].Source != "default" {
		t.Errorf("live NICs after rollback: %+v", nics)
	}
	if x, _ := domain.XML(tg, "vm1", true); x != before {
		t.Errorf("persistent XML after rollback:\n%s\nwant\n%s", x, before)
	}
}
