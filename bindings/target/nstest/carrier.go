package nstest

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/target"
)

// WaitCarrier waits until each named link of tg is operationally up and,
// where IPv6 is on, has its link-local address — out of tentative state
// too when duplicate address detection is off: the kernel reports carrier
// asynchronously (linkwatch, up to a second late) and only then finishes
// IPv6 addresses, and a test comparing states before and after a change
// must not start in between.
func WaitCarrier(t testing.TB, tg *target.Target, names ...string) {
	t.Helper()
	h, err := tg.Handle()
	must(t, err)
	deadline := time.Now().Add(5 * time.Second)
	for _, name := range names {
		for !settled(tg, h, name) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no carrier after 5 s", name)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func settled(tg *target.Target, h *netlink.Handle, name string) bool {
	l, err := h.LinkByName(name)
	if err != nil || l.Attrs().OperState != netlink.OperUp {
		return false
	}
	if sysctl(tg, "all", "disable_ipv6") == "1" || sysctl(tg, name, "disable_ipv6") != "0" {
		return true
	}
	noDAD := sysctl(tg, "all", "accept_dad") == "0" && sysctl(tg, name, "accept_dad") == "0"
	addrs, err := h.AddrList(l, netlink.FAMILY_V6)
	if err != nil {
		return false
	}
	linkLocal := false
	for _, a := range addrs {
		if noDAD && a.Flags&unix.IFA_F_TENTATIVE != 0 {
			return false
		}
		linkLocal = linkLocal || a.IP.IsLinkLocalUnicast()
	}
	return linkLocal
}

// sysctl reads net.ipv6.conf.DEV.KEY in tg ("" if unreadable).
func sysctl(tg *target.Target, dev, key string) string {
	var b []byte
	tg.Do(func() error {
		b, _ = os.ReadFile("/proc/sys/net/ipv6/conf/" + dev + "/" + key)
		return nil
	})
	return strings.TrimSpace(string(b))
}
