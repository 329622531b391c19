package handover_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"rewire/bindings/host"
	"rewire/bindings/host/managertest"
)

// renewWait bounds the wait for a renewal on br0: T1 of a 2-minute lease
// is 1 minute after it was given.
var renewWait = 100 * time.Second

// moveLease runs the host part of nat-to-bridge on a host whose eth0 has
// a DHCP lease from manager, waits past a renewal on br0 (when renew),
// rolls back and requires the manager to own eth0 again with the lease.
func moveLease(t *testing.T, l *lab, manager string, renew bool, logs ...*managertest.Daemon) {
	t.Helper()
	logs = append(logs, l.dhcp.Daemon)
	before := l.device(t, "eth0", 15*time.Second, leasedBy(manager), logs...)
	orig, _ := lease(before)
	res, out := l.run(t, natToBridge)
	if res.Err != nil {
		for _, d := range logs {
			b, _ := os.ReadFile(d.Log)
			var keep []string
			for _, line := range strings.Split(string(b), "\n") {
				if strings.Contains(line, "br0") && !strings.Contains(line, "<trace>") || strings.Contains(line, "DHCP") {
					keep = append(keep, line)
				}
			}
			if len(keep) > 80 {
				keep = keep[len(keep)-80:]
			}
			t.Logf("%s:\n%s", d.Name, strings.Join(keep, "\n"))
		}
		t.Fatalf("run: %v\n%s", res.Err, out)
	}
	t.Logf("changes:\n%s", out)
	for _, want := range []string{"+ hand eth0 over from " + manager, "+ move eth0's DHCP client to br0 (" + manager} {
		if !strings.Contains(out, want) {
			t.Errorf("no change %q", want)
		}
	}
	br := l.device(t, "br0", 5*time.Second, bridgeLeased(manager), logs...)
	a, _ := lease(br)
	if a.CIDR != orig.CIDR {
		t.Fatalf("br0 leased %s, eth0 had %s", a.CIDR, orig.CIDR)
	}
	// networkd leaves eth0 alone; NetworkManager has it as br0's port
	// (an in-memory port profile), never with its own profile.
	if d, _ := host.DeviceOf(l.Host, l.roots(), "eth0"); d.Manager != host.None && d.Profile != "rewire-eth0-port" || d.Profile == before.Profile || len(global(d)) != 0 {
		t.Errorf("eth0 after the move: %+v", d)
	}
	if !l.lanReaches(ip(a.CIDR)) {
		t.Fatalf("the LAN cannot reach %s on br0", a.CIDR)
	}
	if renew {
		waitRenewal(t, l, manager, a, logs...)
	}
	acks := l.acks()
	took := l.rollback(t, res.TxID)
	start := time.Now()
	back := l.device(t, "eth0", 20*time.Second, leasedBy(manager), logs...)
	managertest.Eventually(t, 20*time.Second, func() error {
		if l.acks() <= acks {
			return os.ErrDeadlineExceeded // the manager has not asked the server yet
		}
		return nil
	}, logs...)
	b, _ := lease(back)
	t.Logf("rollback %v, then %s re-leased eth0 %s (a new DHCPACK) %v later (profile %s)", took.Round(time.Millisecond), manager, b.CIDR, time.Since(start).Round(time.Millisecond), back.Profile)
	if b.CIDR != orig.CIDR || back.Profile != before.Profile {
		t.Errorf("eth0 after rollback: %+v; before: %+v", back, before)
	}
	if _, err := l.Host.LinkByName("br0"); err == nil {
		t.Error("br0 outlived the rollback")
	}
}

// bridgeLeased accepts br0 holding a lease from manager's client: the
// manager's own device (NetworkManager, networkd) or, for ifupdown, the
// dhclient rewire started there (no ifstate line: no manager).
func bridgeLeased(manager string) func(host.Device) string {
	if manager != host.Ifupdown {
		return leasedBy(manager)
	}
	return func(d host.Device) string {
		if a, ok := lease(d); !ok || !leaseOf(a, manager) {
			return "no lease from a dhclient"
		}
		return ""
	}
}

// waitRenewal waits (bounded) until br0's lease lifetime is reset by a
// renewal from its new client, then checks the port, the manager's
// view and that the LAN reaches the host.
func waitRenewal(t *testing.T, l *lab, manager string, first host.Address, logs ...*managertest.Daemon) {
	t.Helper()
	start, last := time.Now(), first.ValidLft
	seen := []int{last}
	managertest.Eventually(t, renewWait, func() error {
		time.Sleep(time.Second)
		d, err := host.DeviceOf(l.Host, l.roots(), "br0")
		if err != nil {
			return err
		}
		a, ok := hasCIDR(d, first.CIDR)
		if !ok || a.Origin != host.OriginDHCP {
			t.Fatalf("br0 lost its lease %s: %+v", first.CIDR, d)
		}
		renewed := a.ValidLft > last+5
		last = a.ValidLft
		seen = append(seen, last)
		if !renewed {
			return os.ErrDeadlineExceeded
		}
		return nil
	}, logs...)
	t.Logf("br0's lease %s renewed by %s %v after the move; valid_lft seen: %v", first.CIDR, manager, time.Since(start).Round(time.Second), compact(seen))
	if m := l.master(t, "eth0"); m != "br0" {
		t.Fatalf("eth0's master is %q after the renewal", m)
	}
	for _, dev := range []string{"br0", "eth0"} {
		d, err := host.DeviceOf(l.Host, l.roots(), dev)
		if err != nil || d.State == "failed" || strings.Contains(d.State, "failed") {
			t.Errorf("%s after the renewal: %+v %v", dev, d, err)
		}
	}
	if !l.lanReaches(ip(first.CIDR)) {
		t.Fatalf("the LAN cannot reach %s after the renewal", first.CIDR)
	}
}

// acks counts the DHCPACKs the LAN's server sent.
func (l *lab) acks() int {
	b, _ := os.ReadFile(l.dhcp.Daemon.Log)
	return strings.Count(string(b), "DHCPACK(")
}

// compact keeps the first and last lifetimes and those around a rise.
func compact(v []int) []int {
	var out []int
	for i, x := range v {
		if i == 0 || i == len(v)-1 || x > v[i-1] || (i+1 < len(v) && v[i+1] > x) {
			out = append(out, x)
		}
	}
	return out
}

// The host part of nat-to-bridge on networkd's DHCP eth0: br0 holds the
// lease from networkd and renews it (T1, a minute in); rollback gives
// eth0 back to its .network, which leases it again. -short skips the wait.
func TestNetworkdLeaseRenewsOnBridge(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	nd := l.networkd(t, map[string]string{"10-eth0.network": dhcpNetwork})
	moveLease(t, l, host.Networkd, !testing.Short(), nd.Daemon)
}

// The same on NetworkManager's DHCP profile "uplink".
func TestNetworkManagerLeaseRenewsOnBridge(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	nm := startNM(t, l)
	moveLease(t, l, host.NetworkManager, !testing.Short(), nm.Daemon)
}

// The same on ifupdown's `iface eth0 inet dhcp`: its dhclient stops
// without a release and the same client (ifupdown's command line for
// br0, eth0's leases carried over) renews on br0; rollback starts eth0's
// dhclient again as ifup had it and puts the ifstate line back.
func TestIfupdownLeaseRenewsOnBridge(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	managertest.Ifupdown(t, l.sb, "iface eth0 inet dhcp\n", "eth0")
	moveLease(t, l, host.Ifupdown, !testing.Short())
}

// global is d's addresses but link-local ones.
func global(d host.Device) []host.Address {
	var out []host.Address
	for _, a := range d.Addresses {
		if a.Origin != host.OriginLink {
			out = append(out, a)
		}
	}
	return out
}
