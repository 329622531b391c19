package lab

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/domain"
	"rewire/bindings/link"
	"rewire/bindings/tx"
	"rewire/bindings/virtconn"
	"rewire/bindings/virtnet"
	"rewire/lua/engine"
)

// realLab brings up a private lab (its own namespaces, directory and
// libvirtd, so a `rewire lab` already up is not touched) and tears it
// down at the end.
func realLab(t *testing.T) *Lab {
	t.Helper()
	if _, err := exec.LookPath("libvirtd"); err != nil {
		t.Skip("libvirtd is not installed: the real-daemon lab test needs libvirt-daemon and qemu-system-x86")
	}
	if os.Geteuid() != 0 {
		t.Skip("the lab needs root (network namespaces)")
	}
	l := &Lab{NetnsDir: t.TempDir(), Dir: t.TempDir()}
	if err := l.Up(func(m string) { t.Log(m) }); err != nil {
		t.Fatal(err)
	}
	t.Logf("libvirt part of lab up took %v s", l.Status()["libvirt_up_seconds"])
	t.Cleanup(func() {
		virtconn.Disconnect(l.LibvirtURI())
		if err := l.Down(func(m string) { t.Log(m) }); err != nil {
			t.Errorf("lab down: %v", err)
		}
		if l.daemonRunning("libvirtd") {
			t.Error("libvirtd survived lab down")
		}
	})
	return l
}

// waitLANLease waits (up to 3 minutes: TCG guests on a busy machine) for
// the LAN DHCP server to lease an address to mac, and returns it.
func waitLANLease(t *testing.T, l *Lab, mac string) string {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		b, _ := os.ReadFile(l.LANLeases())
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 3 && f[1] == mac {
				return f[2]
			}
		}
	}
	t.Fatalf("no LAN DHCP lease for %s", mac)
	return ""
}

func tapMaster(t *testing.T, s *tx.Session, tap string) string {
	t.Helper()
	in, err := link.Get(s.Target, tap)
	if err != nil {
		t.Fatalf("tap %s: %v", tap, err)
	}
	return in.Master
}

// TestLabNATToBridge is the VM half of S2 on a real libvirtd and QEMU:
// every guest NIC on network default is re-pointed, live and persistent,
// to a bridge on the lab NIC; the taps move; a NIC pointed at a missing
// bridge is refused with nothing changed; rollback puts the taps back in
// virbr0 and the persistent XML back byte for byte. Then S7: a tap
// knocked out of its bridge is put back by repair.taps().
func TestLabNATToBridge(t *testing.T) {
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
	nic, _ := h.LinkByName(NIC)
	h.LinkSetMaster(nic, br0)
	h.LinkSetUp(br0)

	before := map[string]string{}
	taps := map[string]string{} // guest -> tap
	for _, g := range Guests {
		x, err := domain.XML(tg, g.Name, true)
		if err != nil {
			t.Fatal(err)
		}
		before[g.Name] = x
		nics, err := domain.Interfaces(tg, g.Name)
		if err != nil || len(nics) != 1 || nics[0].Type != "network" || nics[0].Source != "default" || nics[0].MAC != g.MAC {
			t.Fatalf("%s NICs: %+v %v", g.Name, nics, err)
		}
		taps[g.Name] = nics[0].Dev
		if m := tapMaster(t, s, nics[0].Dev); m != "virbr0" {
			t.Fatalf("%s tap %s in %q, want virbr0", g.Name, nics[0].Dev, m)
		}
	}

	// Bad input on the real daemon: one clear line each, nothing changed.
	live := domain.Scope{Live: true, Config: true}
	for what, err := range map[string]error{
		"unknown domain":  domain.SetInterface(s, "vm9", Guests[0].MAC, domain.Source{Type: "bridge", Source: "br0"}, live),
		"unknown MAC":     domain.SetInterface(s, "vm1", "52:54:00:99:99:99", domain.Source{Type: "bridge", Source: "br0"}, live),
		"unknown network": domain.SetInterface(s, "vm1", Guests[0].MAC, domain.Source{Type: "network", Source: "nope"}, live),
		"malformed XML":   func() error { _, err := domain.Define(s, "<domain type='qemu'><name>vm1</name>"); return err }(),
		"bad network XML": func() error {
			_, err := virtnet.Define(s, "<network><name>x</name><ip address='zz'/></network>")
			return err
		}(),
	} {
		if err == nil || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "virError") {
			t.Errorf("%s: %v", what, err)
		}
	}
	for _, g := range Guests {
		if x, _ := domain.XML(tg, g.Name, true); x != before[g.Name] {
			t.Fatalf("bad input changed %s", g.Name)
		}
	}
	if s.Current() != nil && s.Current().Live() > 0 {
		t.Fatalf("bad input left changes: %+v", s.Current().Steps())
	}

	for _, g := range Guests {
		if err := domain.SetInterface(s, g.Name, g.MAC, domain.Source{Type: "bridge", Source: "br0"}, live); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range Guests {
		if m := tapMaster(t, s, taps[g.Name]); m != "br0" {
			t.Errorf("%s tap %s in %q after re-point, want br0", g.Name, taps[g.Name], m)
		}
		var def libvirtxml.Domain
		x, _ := domain.XML(tg, g.Name, true)
		def.Unmarshal(x)
		if n := domain.FindNIC(&def, g.MAC); n == nil || domain.NICType(n) != "bridge" || domain.NICSource(n) != "br0" {
			t.Errorf("%s persistent XML not re-pointed:\n%s", g.Name, x)
		}
	}

	// The guests, now on the LAN, lease office addresses from its DHCP
	// server (iPXE retries its boot every second, so this comes soon).
	for _, g := range Guests {
		if ip := waitLANLease(t, l, g.MAC); !strings.HasPrefix(ip, "10.0.0.") {
			t.Errorf("%s got LAN lease %q", g.Name, ip)
		}
	}

	// A bridge that does not exist is refused; nothing changes.
	mid, _ := domain.XML(tg, "vm1", true)
	err = domain.SetInterface(s, "vm1", Guests[0].MAC, domain.Source{Type: "bridge", Source: "br9"}, domain.Scope{Live: true, Config: true})
	if err == nil || engine.KindOf(err) != engine.KindNotFound || !strings.Contains(err.Error(), "br9") {
		t.Fatalf("missing bridge: %v", err)
	}
	if x, _ := domain.XML(tg, "vm1", true); x != mid || tapMaster(t, s, taps["vm1"]) != "br0" {
		t.Fatal("refused re-point changed vm1")
	}

	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	for _, g := range Guests {
		if m := tapMaster(t, s, taps[g.Name]); m != "virbr0" {
			t.Errorf("%s tap %s in %q after rollback, want virbr0", g.Name, taps[g.Name], m)
		}
		if x, _ := domain.XML(tg, g.Name, true); x != before[g.Name] {
			t.Errorf("%s XML after rollback:\n%s\nwant\n%s", g.Name, x, before[g.Name])
		}
		nics, _ := domain.Interfaces(tg, g.Name)
		if len(nics) != 1 || nics[0].Type != "network" || nics[0].Source != "default" {
			t.Errorf("%s live NIC after rollback: %+v", g.Name, nics)
		}
	}
}

// TestLabRepairTaps is S7: a guest tap knocked out of virbr0 (as a
// network restart does) is found by repair.taps{dry_run=true}, put back
// by repair.taps(), and mapped back to its guest by MAC.
func TestLabRepairTaps(t *testing.T) {
	l := realLab(t)
	tg := l.Target()
	st, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := &tx.Session{Store: st, Target: tg, Script: "test"}
	nics, err := domain.Interfaces(tg, "vm1")
	if err != nil || len(nics) != 1 {
		t.Fatalf("vm1 NICs: %+v %v", nics, err)
	}
	tap := nics[0].Dev
	h, _ := tg.Handle()
	tl, _ := h.LinkByName(tap)
	if err := h.LinkSetNoMaster(tl); err != nil {
		t.Fatal(err)
	}
	e := engine.New(os.Stderr, domain.Module(s), virtnet.Module(s), link.Module(s))
	defer e.Close()
	e.SetArgs("repair-test", []string{tap})
	script := `
local tap = arg[1]
local repair = require "repair"
local dry = repair.taps({ dry_run = true })
assert(#dry == 1 and dry[1].tap == tap and dry[1].to == "virbr0" and dry[1].from == "" and dry[1].domain == "vm1", "dry run report")
assert(link.get(tap).master == nil, "dry run changed the tap")
local done = repair.taps()
assert(#done == 1 and link.get(tap).master == "virbr0", "tap not repaired")
assert(#repair.taps() == 0, "second repair found more")
assert(repair.tap_owner(tap) == "vm1", "tap owner")
assert(repair.guest_mac("fe:54:00:00:01:01") == "52:54:00:00:01:01")
`
	if err := e.DoString(nil, script, "repair-test"); err != nil {
		t.Fatal(err)
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	if m := tapMaster(t, s, tap); m != "" {
		t.Fatalf("rollback of the repair left %s in %q", tap, m)
	}
}

// TestLabDownAfterCrash: libvirtd killed -9 (a crashed lab) leaves QEMU
// and dnsmasq orphans; lab down still stops every one of them.
func TestLabDownAfterCrash(t *testing.T) {
	l := realLab(t)
	var qemus []string
	for _, g := range Guests {
		qemus = append(qemus, filepath.Join(l.libvirtDir(), "run", "qemu", g.Name+".pid"))
	}
	b, err := os.ReadFile(l.pidFile("libvirtd"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range qemus {
		b, _ := os.ReadFile(f)
		p, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if !isProc(p, "qemu") {
			t.Fatalf("%s: no running qemu %d", f, p)
		}
		pids = append(pids, p)
	}
	if err := l.Down(func(string) {}); err != nil {
		t.Fatal(err)
	}
	for _, p := range pids {
		if isProc(p, "qemu") {
			t.Errorf("guest qemu %d survived lab down", p)
		}
	}
	if l.IsUp() {
		t.Error("lab namespaces survived lab down")
	}
}
