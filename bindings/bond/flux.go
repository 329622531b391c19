package bond

import (
	"rewire/bindings/garp"
	"rewire/bindings/sysctl"
	"rewire/bindings/target"
)

// settleFlux points the LAN at the links that hold the host's addresses
// before slave goes down to be enslaved. A NIC with arp_ignore 0 (the
// kernel's default) answers ARP for every address of the host (ARP
// flux): the LAN may have taken its MAC for one of them, and would lose
// its frames while the NIC is down. A gratuitous ARP from each holder
// overrides whatever the LAN cached.
func settleFlux(tg *target.Target, slave string) {
	// The slash form: a link's name may hold dots (a VLAN's, eth0.100).
	for _, key := range []string{"net/ipv4/conf/all/arp_ignore", "net/ipv4/conf/" + slave + "/arp_ignore"} {
		if v, err := sysctl.Get(tg, key); err != nil || v != "0" {
			return // answers only for its own addresses (the kernel takes the larger)
		}
	}
	garp.AnnounceHeld(tg, slave)
}
