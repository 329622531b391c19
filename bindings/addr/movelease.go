package addr

import (
	"rewire/bindings/errkind"
	"rewire/bindings/handover"
	"rewire/bindings/host"
	"rewire/bindings/sysctl"
	"rewire/bindings/tx"
)

// leasePlan is what Move does about dynamic addresses: the managers of
// both devices let go first (handover.Claim), and a DHCP lease moves with
// its client unless {static = true} keeps a static copy on purpose.
type leasePlan struct {
	claim      handover.Claimed
	leases     map[string]bool // CIDRs of from's DHCP leases
	moveClient bool
}

// planLease claims from and to and refuses, before any address moves, a
// lease whose client cannot follow it.
func planLease(s *tx.Session, from, to string, o MoveOptions) (leasePlan, error) {
	var lp leasePlan
	if err := handover.Claim(s, from); err != nil {
		return lp, err
	}
	if err := handover.Claim(s, to); err != nil {
		return lp, err
	}
	var err error
	if lp.claim, err = handover.Holder(s, from); err != nil {
		return lp, err
	}
	lp.leases = map[string]bool{}
	for _, a := range handover.Dynamic(lp.claim) {
		lp.leases[a.CIDR] = true
	}
	lp.moveClient = len(lp.leases) > 0 && !o.Static
	if lp.moveClient {
		if err := handover.CanMoveLease(lp.claim, to); err != nil {
			return lp, err
		}
		if !o.MAC {
			return lp, errkind.Invalid("%s's lease moves to %s only with its MAC: addr.move(%q, %q, {mac = true}); {static = true} keeps a static copy on purpose", from, to, from, to)
		}
	}
	return lp, nil
}

// finish starts the lease's client on to, once to holds the addresses.
func (lp leasePlan) finish(s *tx.Session, from, to, mac string) error {
	if lp.moveClient {
		if err := handover.MoveLease(s, lp.claim, to, mac); err != nil {
			return err
		}
	}
	return acceptRA(s, lp.claim, from, to)
}

// acceptRA lets to take router advertisements as from did when from's
// SLAAC addresses came from the kernel (no manager, or ifupdown, which
// leaves RAs to it; NetworkManager and networkd handle RAs themselves,
// and their profile moved with the lease):
// `sysctl net.ipv6.conf.TO.accept_ra=N`, journaled. The moved addresses
// keep their lifetimes; the router's next RA on to renews them (same MAC,
// same interface identifier).
func acceptRA(s *tx.Session, c handover.Claimed, from, to string) error {
	slaac := false
	for _, a := range c.Addresses {
		slaac = slaac || a.Origin == host.OriginSLAAC && a.Client == "kernel"
	}
	if !slaac {
		return nil
	}
	v, err := sysctl.Get(s.Target, "net.ipv6.conf."+from+".accept_ra")
	if err != nil || v == "0" {
		return err
	}
	return sysctl.Set(s, "net.ipv6.conf."+to+".accept_ra", v)
}
