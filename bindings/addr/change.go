package addr

import (
	"errors"
	"fmt"
	"net"

	"golang.org/x/sys/unix"

	"rewire/bindings/errkind"
	"rewire/bindings/handover"
	"rewire/bindings/route"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

var addKind = tx.NewKind("addr.add", func(tg *target.Target, d devState) error {
	return remove(tg, *d.Added)
}, tx.KindOptions[devState]{Drift: func(tg *target.Target, d devState) error {
	if ok, err := has(tg, d.Dev, d.Added.CIDR); err != nil || !ok {
		return fmt.Errorf("%s is no longer on %s", d.Added.CIDR, d.Dev)
	}
	return nil
}})

var delKind = tx.NewKind("addr.del", func(tg *target.Target, d devState) error {
	return restore(tg, d)
}, tx.KindOptions[devState]{})

// devState is a device's addresses and admin routes, as the journal keeps
// them for an address change: deleting an address makes the kernel drop
// its secondaries and the routes through its subnet, so the undo puts all
// of them back, in their order.
type devState struct {
	Dev    string       `json:"dev"`
	Addrs  []Spec       `json:"addrs"`
	Routes []route.Spec `json:"routes"`
	Added  *Spec        `json:"added,omitempty"` // for add: what to remove
	// Prefixes are the prefix routes a manager made for its noprefixroute
	// addresses (NetworkManager's, proto kernel): not movable, but gone
	// with their address, and needed before routes via the subnet.
	Prefixes []route.Spec `json:"prefixes,omitempty"`
}

func capture(tg *target.Target, dev string) (devState, error) {
	as, rs, err := Snapshot(tg, dev)
	d := devState{Dev: dev, Addrs: as, Routes: rs}
	if err == nil {
		d.Prefixes, err = managerPrefixes(tg, dev, as)
	}
	return d, err
}

// managerPrefixes returns the non-movable routes to the subnet of a
// noprefixroute address of dev.
func managerPrefixes(tg *target.Target, dev string, as []Spec) ([]route.Spec, error) {
	subnets := map[string]bool{}
	for _, a := range as {
		if a.Flags&unix.IFA_F_NOPREFIXROUTE != 0 {
			if _, n, err := net.ParseCIDR(a.CIDR); err == nil {
				subnets[n.String()] = true
			}
		}
	}
	if len(subnets) == 0 {
		return nil, nil
	}
	all, err := route.List(tg, route.Filter{Dev: dev})
	if err != nil {
		return nil, err
	}
	var out []route.Spec
	for _, r := range all {
		if subnets[r.Dst] && !r.Movable() {
			out = append(out, r)
		}
	}
	return out, nil
}

// Snapshot returns dev's addresses and admin routes: what an undo that
// recreates or re-homes the device must put back.
func Snapshot(tg *target.Target, dev string) ([]Spec, []route.Spec, error) {
	as, err := List(tg, dev)
	if err != nil {
		return nil, nil, err
	}
	rs, err := route.Movables(tg, dev)
	return as, rs, err
}

// restore puts back every address and route of d that is missing. A
// device that is gone is "already gone": nothing to restore onto.
func restore(tg *target.Target, d devState) error {
	h, err := tg.Handle()
	if err != nil {
		return err
	}
	l, err := tg.LinkByName(d.Dev)
	if err != nil {
		if isGone(err) {
			return nil
		}
		return err
	}
	for _, a := range d.Addrs {
		na, err := a.toNetlink()
		if err != nil {
			return err
		}
		err = h.AddrAdd(l, na)
		if err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("add %s to %s: %w", a.CIDR, d.Dev, err)
		}
		if err == nil {
			announce(tg, d.Dev, a)
		}
	}
	for _, r := range append(append([]route.Spec(nil), d.Prefixes...), d.Routes...) {
		r := r
		if err := route.Swap(tg, nil, &r); err != nil && !errors.Is(err, unix.EEXIST) {
			return err
		}
	}
	return nil
}

func remove(tg *target.Target, a Spec) error {
	h, err := tg.Handle()
	if err != nil {
		return err
	}
	l, err := tg.LinkByName(a.Dev)
	if err != nil {
		if isGone(err) {
			return nil
		}
		return err
	}
	na, err := a.toNetlink()
	if err != nil {
		return err
	}
	if err := h.AddrDel(l, na); err != nil {
		if isGone(err) {
			return nil
		}
		return fmt.Errorf("delete %s from %s: %w", a.CIDR, a.Dev, err)
	}
	announceHolders(tg, a)
	return nil
}

// Add is `ip addr add CIDR dev DEV`.
func Add(s *tx.Session, dev, cidr string) error {
	if _, err := ParseCIDR(cidr); err != nil {
		return err
	}
	if err := handover.Claim(s, dev); err != nil {
		return err
	}
	return addSpec(s, Spec{Dev: dev, CIDR: cidr})
}

func addSpec(s *tx.Session, a Spec) error { return addNoted(s, a, "") }

// addNoted is addSpec whose change says note after its description.
func addNoted(s *tx.Session, a Spec, note string) error {
	d, err := capture(s.Target, a.Dev)
	if err != nil {
		return err
	}
	for _, cur := range d.Addrs {
		if cur.CIDR == a.CIDR {
			return errkind.Exists("%s is already on %s", a.CIDR, a.Dev)
		}
	}
	d.Added = &a
	return addKind.Apply(s, "addr:"+a.Dev+":"+a.CIDR, fmt.Sprintf("add %s to %s%s", a.CIDR, a.Dev, note), d, func() error { return restore(s.Target, devState{Dev: a.Dev, Addrs: []Spec{a}}) })
}

// Del is `ip addr del CIDR dev DEV`.
func Del(s *tx.Session, dev, cidr string) error {
	if _, err := ParseCIDR(cidr); err != nil {
		return err
	}
	if err := handover.Claim(s, dev); err != nil {
		return err
	}
	d, err := capture(s.Target, dev)
	if err != nil {
		return err
	}
	for _, a := range d.Addrs {
		if a.CIDR == cidr {
			return delKind.Apply(s, "addr:"+dev+":"+cidr, fmt.Sprintf("remove %s from %s", cidr, dev), d, func() error { return remove(s.Target, a) })
		}
	}
	return errkind.NotFound("%s is not on %s", cidr, dev)
}

// Flush is `ip addr flush dev DEV scope global`: one change per address,
// secondaries first (removing a primary takes its secondaries along), so
// each address stays its own object for drift: an address added earlier
// in the transaction and flushed here is judged by its removal.
func Flush(s *tx.Session, dev string) error {
	as, err := List(s.Target, dev)
	if err != nil {
		return err
	}
	var global []Spec
	for _, a := range as {
		if a.Global() {
			global = append(global, a)
		}
	}
	for i := len(global) - 1; i >= 0; i-- {
		if err := Del(s, dev, global[i].CIDR); err != nil {
			return err
		}
	}
	return nil
}

// Restore puts back, in order, every address and route of dev that is
// missing (used by undos that recreate a device).
func Restore(tg *target.Target, dev string, addrs []Spec, routes []route.Spec) error {
	return restore(tg, devState{Dev: dev, Addrs: addrs, Routes: routes})
}
