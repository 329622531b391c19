package addr

import (
	"fmt"
	"net"
	"strings"

	"golang.org/x/sys/unix"

	"rewire/bindings/errkind"
	"rewire/bindings/handover"
	"rewire/bindings/host"
	"rewire/bindings/link"
	"rewire/bindings/route"
	"rewire/bindings/sysctl"
	"rewire/bindings/tx"
)

// MoveOptions say what Move takes along besides addresses and routes.
type MoveOptions struct {
	MAC bool // give `to` the MAC of `from`, so the LAN's ARP caches stay valid
	// Static keeps a static copy of a DHCP lease on `to` on purpose;
	// without it a lease moves with its client (handover.MoveLease).
	Static bool
}

// Move hands from's IP configuration to to: every global IPv4/IPv6
// address, then every admin route through from (default route included),
// then removes the addresses from from. The order keeps the host
// reachable: to answers on the addresses before from lets go of them,
// and routes are re-homed one by one (delete+add, a few µs apart).
// Each step is its own journaled change, so a failure midway undoes
// exactly what happened.
func Move(s *tx.Session, from, to string, o MoveOptions) error {
	if from == to {
		return errkind.Invalid("cannot move %s onto itself", from)
	}
	src, err := link.Get(s.Target, from)
	if err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	dst, err := link.Get(s.Target, to)
	if err != nil {
		return fmt.Errorf("%s: %w", to, err)
	}
	// Both managers let go first; a lease's client moves with it.
	if err := handover.Claim(s, from); err != nil {
		return err
	}
	if err := handover.Claim(s, to); err != nil {
		return err
	}
	claim, err := handover.Holder(s, from)
	if err != nil {
		return err
	}
	leases := map[string]bool{}
	for _, a := range handover.Dynamic(claim) {
		leases[a.CIDR] = true
	}
	moveClient := len(leases) > 0 && !o.Static
	if moveClient {
		if err := handover.CanMoveLease(claim, to); err != nil {
			return err
		}
		if !o.MAC {
			return errkind.Invalid("%s's lease moves to %s only with its MAC: addr.move(%q, %q, {mac = true}); {static = true} keeps a static copy on purpose", from, to, from, to)
		}
	}
	d, err := capture(s.Target, from)
	if err != nil {
		return err
	}
	kernelRoutes, err := route.List(s.Target, route.Filter{Dev: from})
	if err != nil {
		return err
	}
	if o.MAC && src.MAC != dst.MAC {
		mac := src.MAC
		if err := link.Set(s, to, link.Settings{MAC: &mac}); err != nil {
			return err
		}
	}
	if !dst.Up {
		up := true
		if err := link.Set(s, to, link.Settings{Up: &up}); err != nil {
			return err
		}
	}
	var moved []Spec
	for _, a := range d.Addrs {
		if !a.Global() {
			continue
		}
		na := a
		na.Dev = to
		na.Label = relabel(a.Label, from, to)
		if na.Flags&unix.IFA_F_NOPREFIXROUTE != 0 && managerPrefix(kernelRoutes, a) {
			// A manager's prefix route (NetworkManager adds its own,
			// proto kernel) does not move: the kernel's comes with the copy.
			na.Flags &^= unix.IFA_F_NOPREFIXROUTE
		}
		note := ""
		if leases[a.CIDR] && o.Static {
			// On purpose: the copy no longer expires, nobody renews it.
			na.ValidLft, na.PreferredLft = 0, 0
			note = fmt.Sprintf(" (warning: a static copy of %s's DHCP lease, kept on purpose: {static = true})", from)
		}
		if err := addNoted(s, na, note); err != nil {
			return err
		}
		moved = append(moved, a)
	}
	for _, r := range d.Routes {
		if err := route.Move(s, r, to); err != nil {
			return err
		}
	}
	for i := len(moved) - 1; i >= 0; i-- {
		if err := Del(s, from, moved[i].CIDR); err != nil {
			return err
		}
	}
	if moveClient {
		if err := handover.MoveLease(s, claim, to, src.MAC); err != nil {
			return err
		}
	}
	return acceptRA(s, claim, from, to)
}

// acceptRA lets to take router advertisements as from did when from's
// SLAAC addresses came from the kernel (no manager: NetworkManager and
// networkd handle RAs themselves, and their profile moved with the lease):
// `sysctl net.ipv6.conf.TO.accept_ra=N`, journaled. The moved addresses
// keep their lifetimes; the router's next RA on to renews them (same MAC,
// same interface identifier).
func acceptRA(s *tx.Session, c handover.Claimed, from, to string) error {
	slaac := false
	for _, a := range c.Addresses {
		slaac = slaac || a.Origin == host.OriginSLAAC
	}
	if !slaac || c.Manager != host.None {
		return nil
	}
	v, err := sysctl.Get(s.Target, "net.ipv6.conf."+from+".accept_ra")
	if err != nil || v == "0" {
		return err
	}
	return sysctl.Set(s, "net.ipv6.conf."+to+".accept_ra", v)
}

// managerPrefix says whether a (with noprefixroute) has a prefix route
// through its device that is not movable (proto kernel, as NetworkManager
// makes them): moving a without it would leave the subnet unreachable.
func managerPrefix(all []route.Spec, a Spec) bool {
	_, subnet, err := net.ParseCIDR(a.CIDR)
	if err != nil {
		return false
	}
	for _, r := range all {
		if r.Dst == subnet.String() && !r.Movable() {
			return true
		}
	}
	return false
}

// relabel turns an IPv4 label eth0:1 into br0:1.
func relabel(label, from, to string) string {
	if rest, ok := strings.CutPrefix(label, from); ok {
		return to + rest
	}
	return label
}
