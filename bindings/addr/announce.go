package addr

import (
	"net"

	"github.com/vishvananda/netlink"

	"rewire/bindings/garp"
	"rewire/bindings/target"
)

// announce tells the LAN that dev holds the IPv4 address of a from now
// on (garp.Announce). Best effort: the address change is done either way,
// and a LAN that missed it learns at the host's next frame, as before.
func announce(tg *target.Target, dev string, a Spec) {
	// Loopback and link-local addresses are nobody else's business.
	if ip, _, err := net.ParseCIDR(a.CIDR); err == nil && ip.To4() != nil && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() {
		garp.Announce(tg, dev, ip)
	}
}

// announceHolders announces a's IPv4 address from every other link that
// still holds it once it left a.Dev: the LAN's frames for it must go to
// the link that now answers (after a move, or its undo, both held it).
func announceHolders(tg *target.Target, a Spec) {
	ip, _, err := net.ParseCIDR(a.CIDR)
	if err != nil || ip.To4() == nil {
		return
	}
	all, err := tg.AddrList(nil, netlink.FAMILY_V4) // one dump: this runs inside a cut-over
	if err != nil {
		return
	}
	for _, held := range all {
		if !held.IP.Equal(ip) {
			continue
		}
		if l, err := tg.LinkByIndex(held.LinkIndex); err == nil && l.Attrs().Name != a.Dev {
			announce(tg, l.Attrs().Name, fromNetlink(l.Attrs().Name, held))
		}
	}
}
