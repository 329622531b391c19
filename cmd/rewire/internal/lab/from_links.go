package lab

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"rewire/bindings/snapshot"
	"rewire/bindings/target"
)

// upFromNamespaces makes the LAN (one bridge per NIC with its gateways)
// and the lab host's links and static addresses; routes wait for the
// DHCP clients (finishFrom).
func (l *Lab) upFromNamespaces(p *fromPlan) error {
	lan, host, err := l.createNamespaces()
	if err != nil {
		return err
	}
	defer lan.Close()
	defer host.Close()
	lh, _ := lan.Handle()
	hh, _ := host.Handle()
	lanNS, err := netns.GetFromPath(l.LANPath())
	if err != nil {
		return err
	}
	defer lanNS.Close()
	// No duplicate address detection: the snapshot's addresses are final.
	host.Do(func() error { return writeProc("net/ipv6/conf/default/accept_dad", "0") })

	links := map[string]snapshot.Link{}
	for _, lk := range l.From.Links {
		links[lk.Name] = lk
	}
	for _, u := range p.uplinks {
		if err := lh.LinkAdd(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: u.Bridge}}); err != nil {
			return fmt.Errorf("LAN bridge %s: %w", u.Bridge, err)
		}
		for _, gw := range u.Gateways {
			if err := addAddr(lh, u.Bridge, gw); err != nil {
				return err
			}
		}
		lk := links[u.NIC]
		attrs := netlink.LinkAttrs{Name: u.NIC, MTU: lk.MTU}
		if mac, err := net.ParseMAC(lk.MAC); err == nil {
			attrs.HardwareAddr = mac
		}
		veth := &netlink.Veth{LinkAttrs: attrs, PeerName: u.Port, PeerNamespace: netlink.NsFd(int(lanNS))}
		if err := hh.LinkAdd(veth); err != nil {
			return fmt.Errorf("lab NIC %s: %w", u.NIC, err)
		}
		port, err := lh.LinkByName(u.Port)
		if err != nil {
			return err
		}
		brl, _ := lh.LinkByName(u.Bridge)
		if err := lh.LinkSetMaster(port, brl); err != nil {
			return err
		}
		for _, x := range []netlink.Link{port, brl} {
			if err := lh.LinkSetUp(x); err != nil {
				return err
			}
		}
	}
	made, err := l.fromLinks(host, hh, p)
	if err != nil {
		return err
	}
	return l.fromAddrs(hh, p, made)
}

// fromLinks makes the snapshot's other links — bridges (STP, forward
// delay), bonds, VLANs, dummies — then masters, then up states. A kind
// this kernel or a lab cannot have is left out, said once.
func (l *Lab) fromLinks(host *target.Target, hh *netlink.Handle, p *fromPlan) (map[string]bool, error) {
	made := map[string]bool{"lo": true}
	for _, u := range p.uplinks {
		made[u.NIC] = true
	}
	// VLANs after their parents.
	order := append([]snapshot.Link(nil), l.From.Links...)
	sort.SliceStable(order, func(i, j int) bool { return order[i].VLAN == nil && order[j].VLAN != nil })
	for _, lk := range order {
		if made[lk.Name] {
			continue
		}
		if lk.Kind == "tuntap" || p.libvirtBr[lk.Name] {
			if !p.libvirtBr[lk.Name] && !p.libvirtBr[lk.Master] && !strings.HasPrefix(lk.Name, "vnet") {
				l.note("link %s (%s): a tap no guest of the snapshot makes", lk.Name, lk.Kind)
			}
			continue // libvirt makes its networks' bridges and its guests' taps
		}
		attrs := netlink.LinkAttrs{Name: lk.Name, MTU: lk.MTU, TxQLen: -1}
		if mac, err := net.ParseMAC(lk.MAC); err == nil {
			attrs.HardwareAddr = mac
		}
		var c netlink.Link
		switch {
		case lk.Kind == "bridge":
			c = &netlink.Bridge{LinkAttrs: attrs}
		case lk.Kind == "bond" && lk.Bond != nil:
			b := netlink.NewLinkBond(attrs)
			b.Mode = netlink.StringToBondMode(lk.Bond.Mode)
			b.Miimon = lk.Bond.Miimon
			c = b
		case lk.Kind == "vlan" && lk.VLAN != nil:
			if !made[lk.VLAN.Parent] {
				l.note("link %s (vlan %d): its parent %s is left out", lk.Name, lk.VLAN.ID, lk.VLAN.Parent)
				continue
			}
			parent, err := hh.LinkByName(lk.VLAN.Parent)
			if err != nil {
				return nil, err
			}
			attrs.ParentIndex = parent.Attrs().Index
			proto := netlink.VLAN_PROTOCOL_8021Q
			if lk.VLAN.Protocol == "802.1ad" {
				proto = netlink.VLAN_PROTOCOL_8021AD
			}
			c = &netlink.Vlan{LinkAttrs: attrs, VlanId: lk.VLAN.ID, VlanProtocol: proto}
		case lk.Kind == "dummy":
			c = &netlink.Dummy{LinkAttrs: attrs}
		default:
			l.note("link %s (%s): a kind the lab does not make", lk.Name, lk.Kind)
			continue
		}
		if err := hh.LinkAdd(c); err != nil {
			if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINVAL) && lk.Kind != "bridge" {
				l.note("link %s (%s): this kernel has no %s (%v)", lk.Name, lk.Kind, lk.Kind, err)
				continue
			}
			return nil, fmt.Errorf("link %s (%s): %w", lk.Name, lk.Kind, err)
		}
		made[lk.Name] = true
		if lk.Bridge != nil {
			stp := "0"
			if lk.Bridge.STP {
				stp = "1"
			}
			if _, err := host.Run(nil, "ip", "link", "set", lk.Name, "type", "bridge",
				"forward_delay", strconv.Itoa(lk.Bridge.ForwardDelay*100), "stp_state", stp); err != nil {
				return nil, fmt.Errorf("bridge %s: %w", lk.Name, err)
			}
		}
	}
	for _, lk := range l.From.Links {
		if !made[lk.Name] || lk.Master == "" {
			continue
		}
		if !made[lk.Master] {
			if !p.libvirtBr[lk.Master] {
				l.note("link %s: its master %s is left out", lk.Name, lk.Master)
			}
			continue
		}
		x, _ := hh.LinkByName(lk.Name)
		m, _ := hh.LinkByName(lk.Master)
		if x == nil || m == nil {
			continue
		}
		if err := hh.LinkSetMaster(x, m); err != nil {
			return nil, fmt.Errorf("link %s: master %s: %w", lk.Name, lk.Master, err)
		}
	}
	for _, lk := range l.From.Links {
		if !made[lk.Name] || !lk.Up || lk.Name == "lo" {
			continue
		}
		x, err := hh.LinkByName(lk.Name)
		if err != nil {
			return nil, err
		}
		if err := hh.LinkSetUp(x); err != nil {
			return nil, fmt.Errorf("link %s: up: %w", lk.Name, err)
		}
	}
	return made, nil
}

// fromAddrs adds the snapshot's addresses in order, but the DHCP leases
// (their client leases them again from the LAN) and IPv6 link-local ones
// (the kernel makes them from the MAC). SLAAC and DHCPv6 addresses keep
// their lifetimes, so they are dynamic here too.
func (l *Lab) fromAddrs(hh *netlink.Handle, p *fromPlan, made map[string]bool) error {
	for _, lk := range l.From.Links {
		if !made[lk.Name] || lk.Name == "lo" {
			continue
		}
		x, err := hh.LinkByName(lk.Name)
		if err != nil {
			return err
		}
		for _, a := range lk.Addresses {
			if a.Origin == "link" && strings.Contains(a.CIDR, ":") {
				continue
			}
			if a.Origin == "dhcp" && p.dhcpDevs[lk.Name] != "" {
				continue
			}
			ad, err := netlink.ParseAddr(a.CIDR)
			if err != nil {
				return fmt.Errorf("address %s of %s: %w", a.CIDR, lk.Name, err)
			}
			if a.Origin != "static" && a.Origin != "link" && a.ValidLft > 0 {
				ad.ValidLft, ad.PreferedLft = a.ValidLft, max(a.PreferredLft, 0)
			}
			if err := hh.AddrAdd(x, ad); err != nil && !errors.Is(err, unix.EEXIST) {
				return fmt.Errorf("address %s on %s: %w", a.CIDR, lk.Name, err)
			}
		}
	}
	return nil
}
