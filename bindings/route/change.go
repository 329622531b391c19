package route

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"rewire/bindings/errkind"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

var changeKind = tx.NewKind("route.change", func(tg *target.Target, p pair) error {
	return Swap(tg, p.New, p.Old)
}, tx.KindOptions[pair]{Drift: func(tg *target.Target, p pair) error {
	if p.New != nil && !Exists(tg, *p.New) {
		return fmt.Errorf("route %s is gone", p.New)
	}
	return nil
}})

// pair is the journal data of route changes: the route before (nil: none)
// and after (nil: none).
type pair struct {
	Old *Spec `json:"old,omitempty"`
	New *Spec `json:"new,omitempty"`
}

// Swap removes route from (if present) and installs to (if absent). It is
// the apply and the undo of every route change, so both are idempotent.
func Swap(tg *target.Target, from, to *Spec) error {
	h, err := tg.Handle()
	if err != nil {
		return err
	}
	if from != nil {
		r, err := from.ToNetlink(tg)
		if err == nil {
			err = h.RouteDel(r)
		}
		if err != nil && !isGone(err) {
			return fmt.Errorf("delete route %s: %w", from, err)
		}
	}
	if to != nil {
		r, err := to.ToNetlink(tg)
		if err != nil {
			return err
		}
		if err := h.RouteAdd(r); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("add route %s: %w", to, err)
		}
	}
	return nil
}

// normalize fills what `ip route add` assumes: main table, static protocol.
func normalize(s Spec) Spec {
	if s.Table == 0 {
		s.Table = unix.RT_TABLE_MAIN
	}
	if s.Proto == 0 {
		s.Proto = unix.RTPROT_BOOT
	}
	if s.Dst == "" {
		s.Dst = "default"
	}
	if s.Family == 0 {
		s.Family = familyOf(s)
	}
	return s
}

// Add is `ip route add SPEC`.
func Add(s *tx.Session, r Spec) error {
	r = normalize(r)
	if _, err := r.ToNetlink(s.Target); err != nil {
		return err
	}
	if Exists(s.Target, r) {
		return errkind.Exists("route %s: %w", r, unix.EEXIST)
	}
	return changeKind.Apply(s, "route:"+r.Key(), "add route "+r.String(), pair{New: &r}, func() error { return Swap(s.Target, nil, &r) })
}

// Del is `ip route del SPEC`; the route must exist exactly.
func Del(s *tx.Session, r Spec) error {
	cur, err := find(s.Target, r)
	if err != nil {
		return err
	}
	return changeKind.Apply(s, "route:"+cur.Key(), "delete route "+cur.String(), pair{Old: &cur}, func() error { return Swap(s.Target, &cur, nil) })
}

// Replace is `ip route replace SPEC`: the route with the same destination,
// table and metric, if any, gives way to r.
func Replace(s *tx.Session, r Spec) error {
	r = normalize(r)
	if _, err := r.ToNetlink(s.Target); err != nil {
		return err
	}
	var old *Spec
	rs, err := List(s.Target, Filter{Table: r.Table, Family: r.Family})
	if err != nil {
		return err
	}
	for i := range rs {
		if rs[i].Key() == r.Key() {
			old = &rs[i]
			break
		}
	}
	desc := "replace route " + r.String()
	if old != nil {
		desc += " (was " + old.String() + ")"
	}
	return changeKind.Apply(s, "route:"+r.Key(), desc, pair{Old: old, New: &r}, func() error { return Swap(s.Target, old, &r) })
}

// Move re-homes an existing route onto another device, keeping everything
// else (table, metric, protocol, gateway).
func Move(s *tx.Session, old Spec, dev string) error {
	nw := old
	nw.Dev = dev
	return changeKind.Apply(s, "route:"+old.Key(), fmt.Sprintf("move route %s to %s", old, dev), pair{Old: &old, New: &nw}, func() error { return Swap(s.Target, &old, &nw) })
}

// find returns the installed route matching r's destination, gateway, dev,
// table and metric (those r sets).
func find(tg *target.Target, r Spec) (Spec, error) {
	if r.Dst == "" {
		r.Dst = "default"
	}
	if _, err := r.ToNetlink(tg); err != nil {
		return Spec{}, err
	}
	rs, err := List(tg, Filter{Table: tableOr(r.Table)})
	if err != nil {
		return Spec{}, err
	}
	for _, c := range rs {
		if c.Dst == r.Dst && (r.Gateway == "" || c.Gateway == r.Gateway) && (r.Dev == "" || c.Dev == r.Dev) &&
			(r.Metric == 0 || c.Metric == r.Metric) {
			return c, nil
		}
	}
	return Spec{}, errkind.NotFound("route %s: no such route", r)
}

// familyOf tells IPv6 from IPv4 by the addresses a spec names.
func familyOf(s Spec) int {
	for _, a := range []string{s.Gateway, s.Dst, s.Src} {
		if strings.Contains(a, ":") {
			return unix.AF_INET6
		}
	}
	return unix.AF_INET
}
