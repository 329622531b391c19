package handover_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"rewire/bindings/host"
	"rewire/bindings/host/managertest"
	"rewire/bindings/target/nstest"
)

// A dual-stack uplink (DHCPv4, and the LAN's router advertising SLAAC and
// stateful DHCPv6 every 3 s): its DHCPv6 lease follows the rule of the
// DHCPv4 one — the bridge's client (the manager's, under the NIC's IAID
// and DUID) leases the same address, renews it there, and rollback gives
// it back to eth0's. -short skips the renewal.
func TestDHCPv6MovesWithClient(t *testing.T) {
	t.Parallel() // beside the other long waits of the package
	for _, m := range []struct {
		name    string
		manager string
		slaac   bool // the manager takes RAs (ifupdown's inet6 dhcp leaves SLAAC off)
		start   func(t *testing.T, l *lab) []*managertest.Daemon
	}{
		{"NetworkManager", host.NetworkManager, true, func(t *testing.T, l *lab) []*managertest.Daemon {
			return []*managertest.Daemon{startNMWith(t, l, "[connection]\nid=uplink\ntype=ethernet\ninterface-name=eth0\n\n[ipv4]\nmethod=auto\n\n[ipv6]\nmethod=auto\naddr-gen-mode=eui64\n").Daemon}
		}},
		{"networkd", host.Networkd, true, func(t *testing.T, l *lab) []*managertest.Daemon {
			return []*managertest.Daemon{l.networkd(t, map[string]string{"10-eth0.network": "[Match]\nName=eth0\n[Network]\nDHCP=yes\nIPv6AcceptRA=yes\n[DHCPv4]\nUseHostname=no\n"}).Daemon}
		}},
		{"ifupdown", host.Ifupdown, false, func(t *testing.T, l *lab) []*managertest.Daemon {
			managertest.Ifupdown(t, l.sb, "iface eth0 inet dhcp\niface eth0 inet6 dhcp\n", "eth0")
			return nil
		}},
	} {
		m := m
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			l := newLab(t)
			if _, err := l.LAN.Run(nil, "ip", "-6", "addr", "add", "2001:db8::1/64", "dev", nstest.LabBridge, "nodad"); err != nil {
				t.Fatal(err)
			}
			v6 := managertest.StartDHCPv6(t, l.LAN, nstest.LabBridge, "2001:db8::100", "2001:db8::1ff")
			logs := append(m.start(t, l), l.dhcp.Daemon, v6.Daemon)
			dualStack := func(d host.Device) string {
				if why := leasedBy(m.manager)(d); why != "" {
					return why
				}
				if a, ok := origin(d, host.OriginDHCPv6); !ok || !leaseOf(a, m.manager) {
					return "no DHCPv6 lease from " + m.manager
				}
				if _, ok := origin(d, host.OriginSLAAC); m.slaac && !ok {
					return "no SLAAC address"
				}
				return ""
			}
			before := l.device(t, "eth0", 30*time.Second, dualStack, logs...)
			lease6, _ := origin(before, host.OriginDHCPv6)
			clients := l.pidArgv("dhclient.eth0.pid") + "\n" + l.pidArgv("dhclient6.eth0.pid")
			slaac, _ := origin(before, host.OriginSLAAC)

			res, out := l.runFile(t, "../../examples/nat-to-bridge.lua")
			if res.Err != nil {
				l.dumpLogs(t, logs)
				t.Fatalf("run: %v\n%s", res.Err, out)
			}
			t.Logf("changes:\n%s", out)
			onBridge := func(br host.Device) string {
				if a, ok := hasCIDR(br, lease6.CIDR); !ok || a.Origin != host.OriginDHCPv6 || !leaseOf(a, m.manager) {
					return "no DHCPv6 lease " + lease6.CIDR + " from " + m.manager
				}
				if _, ok := hasCIDR(br, slaac.CIDR); m.slaac && !ok {
					return "no SLAAC " + slaac.CIDR
				}
				if l.master(t, "eth0") != "br0" {
					return "eth0 not in br0"
				}
				if !l.lanReaches(ip(lease6.CIDR)) {
					return "the LAN cannot reach " + lease6.CIDR
				}
				return ""
			}
			br := l.device(t, "br0", 20*time.Second, onBridge, logs...)
			a, _ := hasCIDR(br, lease6.CIDR)
			seen := []int{a.ValidLft}
			renewed := 0
			replies := func() int {
				b, _ := os.ReadFile(v6.Daemon.Log)
				return strings.Count(string(b), "DHCPREPLY(")
			}
			for !testing.Short() && renewed < renewals {
				seen = l.waitRenewalFrom(t, m.manager, lease6.CIDR, seen, replies, logs...)
				renewed++
				l.device(t, "br0", time.Second, onBridge, logs...)
			}
			t.Logf("br0's DHCPv6 lease %s renewed %d times by %s's client; valid_lft seen: %v", lease6.CIDR, renewed, m.manager, compact(seen))
			took := l.rollback(t, res.TxID)
			start := time.Now()
			back := l.device(t, "eth0", 30*time.Second, func(d host.Device) string {
				if why := dualStack(d); why != "" {
					return why
				}
				if _, ok := hasCIDR(d, lease6.CIDR); !ok {
					return "not " + lease6.CIDR
				}
				return ""
			}, logs...)
			reown := time.Since(start).Round(time.Millisecond)
			t.Logf("rollback %v, then %s leased eth0 %s again %v later (profile %s)", took.Round(time.Millisecond), m.manager, lease6.CIDR, reown, back.Profile)
			t.Logf("FIGURES %s dhcpv6 renewals=%d valid_lft=%v rollback=%v reown=%v", m.name, renewed, compact(seen), took.Round(time.Millisecond), reown)
			if back.Profile != before.Profile || !strings.HasPrefix(lease6.CIDR, "2001:db8::") {
				t.Errorf("eth0 after rollback: %+v", back)
			}
			// ifupdown's dhclients run again as ifup started them.
			if got := l.pidArgv("dhclient.eth0.pid") + "\n" + l.pidArgv("dhclient6.eth0.pid"); got != clients {
				t.Errorf("eth0's dhclients after rollback:\n%s\nwant\n%s", got, clients)
			}
		})
	}
}

// origin is d's first address of that origin from the LAN's prefixes.
func origin(d host.Device, o string) (host.Address, bool) {
	for _, a := range d.Addresses {
		if a.Origin == o && (strings.HasPrefix(a.CIDR, "2001:db8::") || strings.HasPrefix(a.CIDR, "10.0.0.")) {
			return a, true
		}
	}
	return host.Address{}, false
}
