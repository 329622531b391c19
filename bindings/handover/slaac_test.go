package handover_test

import (
	"strings"
	"testing"
	"time"

	"rewire/bindings/host"
	"rewire/bindings/host/managertest"
	"rewire/bindings/target/nstest"
)

// A kernel SLAAC address (no manager; the LAN's router advertises every
// 3 s) moves to br0 with its lifetimes and keeps being renewed there:
// br0 takes RAs as eth0 did (accept_ra, journaled when it differs).
func TestSLAACRenewsOnBridge(t *testing.T) {
	l := newLab(t)
	if _, err := l.LAN.Run(nil, "ip", "-6", "addr", "add", "2001:db8::1/64", "dev", nstest.LabBridge, "nodad"); err != nil {
		t.Fatal(err)
	}
	ra := managertest.StartDHCPv6(t, l.LAN, nstest.LabBridge, "2001:db8::100", "2001:db8::1ff")
	slaac := func(d host.Device) (host.Address, bool) {
		for _, a := range d.Addresses {
			if a.Origin == host.OriginSLAAC && strings.HasPrefix(a.CIDR, "2001:db8::") {
				return a, true
			}
		}
		return host.Address{}, false
	}
	d := l.device(t, "eth0", 15*time.Second, func(d host.Device) string {
		if _, ok := slaac(d); !ok {
			return "no SLAAC address yet"
		}
		return ""
	}, ra.Daemon)
	orig, _ := slaac(d)
	res, out := l.run(t, natToBridge)
	if res.Err != nil {
		t.Fatalf("run: %v\n%s", res.Err, out)
	}
	t.Logf("changes:\n%s", out)
	var seen []int
	l.device(t, "br0", 15*time.Second, func(d host.Device) string {
		a, ok := hasCIDR(d, orig.CIDR)
		if !ok || a.ValidLft == host.Forever {
			t.Fatalf("br0 does not hold %s as a dynamic address: %+v", orig.CIDR, d.Addresses)
		}
		seen = append(seen, a.ValidLft)
		if len(seen) < 2 || a.ValidLft <= seen[len(seen)-2] {
			time.Sleep(500 * time.Millisecond)
			return "not renewed yet"
		}
		return ""
	}, ra.Daemon)
	t.Logf("br0's %s renewed by an RA; valid_lft seen: %v", orig.CIDR, compact(seen))
	l.rollback(t, res.TxID)
	back := l.device(t, "eth0", 10*time.Second, func(d host.Device) string {
		if _, ok := hasCIDR(d, orig.CIDR); !ok {
			return "no " + orig.CIDR
		}
		return ""
	})
	if a, _ := hasCIDR(back, orig.CIDR); a.Origin != host.OriginSLAAC {
		t.Errorf("eth0 after rollback: %+v", a)
	}
}
