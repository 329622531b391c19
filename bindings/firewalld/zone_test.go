package firewalld_test

import (
	"strings"
	"testing"
	"time"

	"rewire/bindings/firewalld"
	"rewire/bindings/host/managertest"
)

// Why the step exists, and that it works: with a real firewalld (nftables
// backend, Debian's stock zones) in the host's namespace, br0 is bound to
// no zone, so its traffic goes to the default zone (public), and a dnsmasq
// on br0 serves the guest nothing. Moved into the libvirt zone (runtime,
// journaled) the same dnsmasq leases it an address; rollback leaves br0
// bound to no zone again, and the guest unserved again.
func TestDefaultZoneBlocksDHCPUntilLibvirtZone(t *testing.T) {
	l := newLAN(t)
	fw := managertest.StartFirewalld(t, l.sb, managertest.FirewalldOptions{Zones: map[string]string{"libvirt": libvirtZone}})
	if z := fw.ZoneOf(t, "br0"); z != "" {
		t.Fatalf("br0 starts in zone %q, want none", z)
	}
	// firewalld's nftables backend, in this namespace's own nftables: an
	// interface in no zone goes to the default zone's chains.
	if out := run(t, l.host, "nft", "list", "chain", "inet", "firewalld", "filter_INPUT_ZONES"); !strings.Contains(out, "goto filter_IN_public") {
		t.Fatalf("no catch-all to the default zone in firewalld's table:\n%s", out)
	}
	managertest.StartDHCP(t, l.host, "br0", "192.168.100.10", "192.168.100.20")
	if ip := l.dhcp(t, "3"); ip != "" {
		t.Fatalf("with br0 in firewalld's default zone the guest got %s: the step would not be needed", ip)
	}

	s := l.session(t)
	start := time.Now()
	if err := firewalld.Allow(s, "br0", firewalld.DHCP, firewalld.DNS); err != nil {
		t.Fatal(err)
	}
	t.Logf("zone step (ask, journal, change) took %v", time.Since(start))
	steps := s.Current().Steps()
	if len(steps) != 1 || steps[0].Kind != "firewalld.zone" || !strings.Contains(steps[0].Desc, "br0 from no zone to zone libvirt") {
		t.Fatalf("steps: %+v", steps)
	}
	if z := fw.ZoneOf(t, "br0"); z != "libvirt" {
		t.Fatalf("br0 in zone %q after the step, want libvirt", z)
	}
	ip := l.dhcp(t, "5")
	if !strings.HasPrefix(ip, "192.168.100.") {
		t.Fatalf("in the libvirt zone the guest got no lease (%q)\n%s", ip, fw.Daemon.Tail())
	}
	t.Logf("leased %s through zone libvirt", ip)

	// A second caller (nat.forward after dnsmasq.serve) changes nothing.
	if err := firewalld.Allow(s, "br0", firewalld.DHCP, firewalld.DNS); err != nil || len(s.Current().Steps()) != 1 {
		t.Fatalf("second Allow: %v, steps %d", err, len(s.Current().Steps()))
	}

	start = time.Now()
	if rep := s.Rollback(); rep.Err() != nil {
		t.Fatal(rep.Err())
	}
	t.Logf("rollback took %v", time.Since(start))
	if z := fw.ZoneOf(t, "br0"); z != "" {
		t.Fatalf("br0 in zone %q after rollback, want none", z)
	}
	if ip := l.dhcp(t, "3"); ip != "" {
		t.Fatalf("after rollback the guest still got %s", ip)
	}
}
