package bridge

import (
	"fmt"
	"net"

	"rewire/bindings/addr"
	"rewire/bindings/link"
	"rewire/bindings/route"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

var deleteKind = tx.NewKind("bridge.delete", recreate, tx.KindOptions[deleted]{})

// deleted is everything a deleted bridge had that its undo recreates:
// attributes, MAC, MTU, state, ports, addresses and routes.
type deleted struct {
	Name   string       `json:"name"`
	Attrs  Attrs        `json:"attrs"`
	Link   link.State   `json:"link"`
	Ports  []string     `json:"ports"`
	Addrs  []addr.Spec  `json:"addrs"`
	Routes []route.Spec `json:"routes"`
}

// Delete is `ip link delete BR type bridge`; rollback recreates it with its
// ports, addresses and routes.
func Delete(s *tx.Session, name string) error {
	b, err := Get(s.Target, name)
	if err != nil {
		return err
	}
	st, err := link.Capture(s.Target, name)
	if err != nil {
		return err
	}
	d := deleted{Name: name, Attrs: b.Attrs, Link: st, Ports: b.Interfaces}
	if d.Addrs, d.Routes, err = addr.Snapshot(s.Target, name); err != nil {
		return err
	}
	return s.Apply(deleteKind.Change("link:"+name, "delete bridge "+name, d, func() error { return deleteIfBridge(s.Target, name) }).Ending(append(addr.Objects(d.Addrs, d.Routes), portObjects(d.Ports)...)))
}

func recreate(tg *target.Target, d deleted) error {
	if _, err := tg.LinkByName(d.Name); err != nil {
		mac, _ := net.ParseMAC(d.Link.MAC)
		down := false
		if err := create(tg, d.Name, mac, Options{MTU: d.Link.MTU, Up: &down}); err != nil {
			return fmt.Errorf("recreate bridge %s: %w", d.Name, err)
		}
		l, err := tg.LinkByName(d.Name)
		if err != nil {
			return err
		}
		if err := writeAttrs(tg, l.Attrs().Index, d.Attrs.restoring()); err != nil {
			return fmt.Errorf("recreate bridge %s: attributes: %w", d.Name, err)
		}
	}
	for _, p := range d.Ports {
		ps, err := link.Capture(tg, p)
		if err != nil {
			continue // a port that is gone cannot come back
		}
		ps.Master = d.Name
		if err := link.Restore(tg, p, ps); err != nil {
			return err
		}
	}
	if err := link.Restore(tg, d.Name, d.Link); err != nil {
		return err
	}
	return addr.Restore(tg, d.Name, d.Addrs, d.Routes)
}

// portObjects are the drift objects of a deleted bridge's ports: their
// enslavement ends with the bridge, and its undo restores it.
func portObjects(ports []string) []string {
	out := make([]string, 0, len(ports))
	for _, p := range ports {
		out = append(out, "link:"+p)
	}
	return out
}
