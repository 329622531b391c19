package plan

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"rewire/bindings/bridge"
	"rewire/bindings/target"
)

// linkMap maps the original's ifindexes to the replica's.
type linkMap map[int]int

// copyLinks recreates every link of tg in the replica: bridges as bridges
// (with STP and forward delay), bonds as bonds, VLANs on their copied
// parent, dummies as dummies, and anything that leads off the host as a
// veth with its peer in the scratch namespace. Masters are set before
// links come up, as a host's boot does.
func (r *Replica) copyLinks(tg *target.Target) (linkMap, error) {
	links, err := tg.LinkList()
	if err != nil {
		return nil, err
	}
	sort.Slice(links, func(i, j int) bool { return links[i].Attrs().Index < links[j].Attrs().Index })
	h, err := r.Handle()
	if err != nil {
		return nil, err
	}
	peers, err := netns.GetFromPath(r.Peers.NetnsPath)
	if err != nil {
		return nil, err
	}
	defer peers.Close()

	m := linkMap{}
	byIndex := map[int]netlink.Link{}
	for _, l := range links {
		byIndex[l.Attrs().Index] = l
	}
	// Two passes: VLANs need their parent copied first.
	for pass := 0; pass < 2; pass++ {
		for _, l := range links {
			a := l.Attrs()
			if _, done := m[a.Index]; done || (pass == 0) == (l.Type() == "vlan") {
				continue
			}
			if err := r.createLink(tg, h, l, m, peers); err != nil {
				return nil, fmt.Errorf("link %s: %w", a.Name, err)
			}
			c, err := h.LinkByName(a.Name)
			if err != nil {
				return nil, fmt.Errorf("link %s: %w", a.Name, err)
			}
			m[a.Index] = c.Attrs().Index
		}
	}
	for _, l := range links {
		if mi := l.Attrs().MasterIndex; mi != 0 {
			if err := h.LinkSetMasterByIndex(mustLink(h, m[l.Attrs().Index]), m[mi]); err != nil {
				return nil, fmt.Errorf("link %s: master %s: %w", l.Attrs().Name, byIndex[mi].Attrs().Name, err)
			}
		}
	}
	for _, l := range links {
		if l.Attrs().Flags&1 != 0 { // IFF_UP
			if err := h.LinkSetUp(mustLink(h, m[l.Attrs().Index])); err != nil {
				return nil, fmt.Errorf("link %s: up: %w", l.Attrs().Name, err)
			}
		}
	}
	return m, nil
}

func mustLink(h *netlink.Handle, index int) netlink.Link {
	l, err := h.LinkByIndex(index)
	if err != nil {
		return &netlink.Device{LinkAttrs: netlink.LinkAttrs{Index: index}}
	}
	return l
}

// createLink makes the replica's copy of l. A link that a new namespace
// already has (lo, the tunnel drivers' fallback devices) is kept.
func (r *Replica) createLink(tg *target.Target, h *netlink.Handle, l netlink.Link, m linkMap, peers netns.NsHandle) error {
	a := l.Attrs()
	if _, err := h.LinkByName(a.Name); err == nil {
		return nil
	}
	attrs := netlink.LinkAttrs{Name: a.Name, MTU: a.MTU, HardwareAddr: a.HardwareAddr, TxQLen: -1}
	var c netlink.Link
	switch v := l.(type) {
	case *netlink.Bridge:
		c = &netlink.Bridge{LinkAttrs: attrs}
	case *netlink.Bond:
		b := netlink.NewLinkBond(attrs)
		b.Mode, b.Miimon = v.Mode, v.Miimon
		c = b
	case *netlink.Vlan:
		parent, ok := m[a.ParentIndex]
		if !ok {
			return fmt.Errorf("its parent (index %d) was not copied", a.ParentIndex)
		}
		attrs.ParentIndex = parent
		c = &netlink.Vlan{LinkAttrs: attrs, VlanId: v.VlanId, VlanProtocol: v.VlanProtocol}
	case *netlink.Dummy:
		c = &netlink.Dummy{LinkAttrs: attrs}
	default:
		// A NIC, veth, tap or anything else that carries traffic off the
		// host: a veth has carrier while its peer is up.
		peer := "p" + strconv.Itoa(a.Index)
		c = &netlink.Veth{LinkAttrs: attrs, PeerName: peer, PeerNamespace: netlink.NsFd(int(peers))}
	}
	if err := h.LinkAdd(c); err != nil {
		return err
	}
	if veth, ok := c.(*netlink.Veth); ok {
		return upPeer(r.Peers, veth.PeerName)
	}
	if _, ok := l.(*netlink.Bridge); ok {
		return copyBridgeAttrs(tg, r.Target, a.Name)
	}
	return nil
}

func upPeer(peers *target.Target, name string) error {
	ph, err := peers.Handle()
	if err != nil {
		return err
	}
	p, err := ph.LinkByName(name)
	if err != nil {
		return err
	}
	return ph.LinkSetUp(p)
}

// copyBridgeAttrs is `ip link set BR type bridge forward_delay D stp_state S`
// with the original's values (the delay first: the kernel bounds it only
// while STP is on).
func copyBridgeAttrs(from, to *target.Target, name string) error {
	info, err := bridge.Get(from, name)
	if err != nil {
		return err
	}
	stp := "0"
	if info.Attrs.STP {
		stp = "1"
	}
	_, err = to.Run(nil, "ip", "link", "set", name, "type", "bridge",
		"forward_delay", strconv.Itoa(info.Attrs.ForwardDelay*100), "stp_state", stp)
	return err
}
