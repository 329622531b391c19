package plan

import (
	"errors"
	"fmt"
	"sort"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/target"
)

// copyAddrs adds every address of tg to the replica, link by link in the
// kernel's order (so primaries stay primaries). IPv6 link-local addresses
// are left to the kernel, which makes them when a link comes up.
func (r *Replica) copyAddrs(tg *target.Target, m linkMap) error {
	h, err := r.Handle()
	if err != nil {
		return err
	}
	addrs, err := tg.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		idx, ok := m[a.LinkIndex]
		if !ok || a.IP.IsLoopback() || a.IP.To4() == nil && a.IP.IsLinkLocalUnicast() {
			continue
		}
		c := netlink.Addr{IPNet: a.IPNet, Label: a.Label, Flags: a.Flags, Scope: a.Scope,
			Broadcast: a.Broadcast, Peer: a.Peer, PreferedLft: a.PreferedLft, ValidLft: a.ValidLft}
		if err := h.AddrAdd(mustLink(h, idx), &c); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("address %s: %w", a.IPNet, err)
		}
	}
	return nil
}

// copyRoutes adds the routes of every table that the kernel did not make
// from an address (those came back with the addresses), in the order
// that lets a gateway route find its on-link route first.
func (r *Replica) copyRoutes(tg *target.Target, m linkMap) error {
	h, err := r.Handle()
	if err != nil {
		return err
	}
	routes, err := tg.RouteList(netlink.FAMILY_ALL, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return err
	}
	// Routes without a gateway first: a gateway must be reachable on-link.
	sort.SliceStable(routes, func(i, j int) bool { return routes[i].Gw == nil && routes[j].Gw != nil })
	for _, rt := range routes {
		if rt.Table == unix.RT_TABLE_LOCAL || rt.Protocol == unix.RTPROT_KERNEL {
			continue
		}
		if rt.LinkIndex != 0 {
			idx, ok := m[rt.LinkIndex]
			if !ok {
				continue // a route of lo or of a link not copied
			}
			rt.LinkIndex = idx
		}
		for _, nh := range rt.MultiPath {
			nh.LinkIndex = m[nh.LinkIndex]
		}
		c := netlink.Route{LinkIndex: rt.LinkIndex, Dst: rt.Dst, Src: rt.Src, Gw: rt.Gw, Table: rt.Table,
			Protocol: rt.Protocol, Scope: rt.Scope, Type: rt.Type, Priority: rt.Priority,
			Flags:     rt.Flags & unix.RTNH_F_ONLINK, // the rest (linkdown, dead) the kernel sets
			MultiPath: rt.MultiPath, MTU: rt.MTU, AdvMSS: rt.AdvMSS, Hoplimit: rt.Hoplimit, Family: rt.Family}
		if err := h.RouteAdd(&c); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("route %s: %w", rt, err)
		}
	}
	return nil
}
