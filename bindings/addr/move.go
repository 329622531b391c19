package addr

import (
	"fmt"
	"net"
	"strings"

	"golang.org/x/sys/unix"

	"rewire/bindings/errkind"
	"rewire/bindings/link"
	"rewire/bindings/route"
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
// The devices' managers let go of them first, and a DHCP lease moves
// with its client (leasePlan). Each step is its own journaled change,
// so a failure midway undoes exactly what happened.
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
	lp, err := planLease(s, from, to, o)
	if err != nil {
		return err
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
		// A manager that adds its addresses with noprefixroute
		// (NetworkManager) adds the subnet's route itself, on its own
		// device; on `to` nobody would, and the gateway would be
		// unreachable: the kernel's prefix route comes with the address.
		na.Flags &^= unix.IFA_F_NOPREFIXROUTE
		na.Label = relabel(a.Label, from, to)
		if na.Flags&unix.IFA_F_NOPREFIXROUTE != 0 && managerPrefix(kernelRoutes, a) {
			// A manager's prefix route (NetworkManager adds its own,
			// proto kernel) does not move: the kernel's comes with the copy.
			na.Flags &^= unix.IFA_F_NOPREFIXROUTE
		}
		note := ""
		if lp.leases[a.CIDR] && o.Static {
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
	return lp.finish(s, from, to, src.MAC)
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
