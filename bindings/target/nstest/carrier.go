package nstest

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"rewire/bindings/target"
)

// waitCarrier waits until each named link of tg is operationally up and,
// where IPv6 is on, has its link-local address: the kernel reports carrier
// asynchronously (linkwatch, up to a second late), and a test comparing
// states before and after a change must not start in between.
func waitCarrier(t testing.TB, tg *target.Target, names ...string) {
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
	var off []byte
	tg.Do(func() error {
		off, _ = os.ReadFile("/proc/sys/net/ipv6/conf/" + name + "/disable_ipv6")
		return nil
	})
	if strings.TrimSpace(string(off)) != "0" {
		return true
	}
	addrs, err := h.AddrList(l, netlink.FAMILY_V6)
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if a.IP.IsLinkLocalUnicast() {
			return true
		}
	}
	return false
}
