package persist

import (
	"net"
	"sort"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/bond"
	"rewire/bindings/bridge"
	"rewire/bindings/errkind"
	"rewire/bindings/host"
	"rewire/bindings/target"
)

// links is one reading of the target's links, by name and index.
type links struct {
	byName  map[string]netlink.Link
	byIndex map[int]netlink.Link
}

func readLinks(tg *target.Target) (links, error) {
	all, err := tg.LinkList()
	if err != nil {
		return links{}, errkind.System("list links: %w", err)
	}
	ls := links{byName: map[string]netlink.Link{}, byIndex: map[int]netlink.Link{}}
	for _, l := range all {
		ls.byName[l.Attrs().Name] = l
		ls.byIndex[l.Attrs().Index] = l
	}
	return ls, nil
}

// kindOf names a link's kind for the renderers; "" for one no manager
// keeps (a guest's tap, a loopback).
func kindOf(l netlink.Link) string {
	switch l.Type() {
	case "bridge":
		return KindBridge
	case "bond":
		return KindBond
	case "vlan":
		return KindVLAN
	case "device", "veth", "":
		if l.Attrs().Flags&net.FlagLoopback != 0 {
			return ""
		}
		return KindEthernet
	}
	return ""
}

// ports lists the links whose master is l, by name, taps left out (the
// guests' taps are libvirt's, joined at each guest's start).
func (ls links) ports(l netlink.Link) []string {
	var out []string
	for _, p := range ls.byName {
		if p.Attrs().MasterIndex == l.Attrs().Index && kindOf(p) != "" {
			out = append(out, p.Attrs().Name)
		}
	}
	sort.Strings(out)
	return out
}

// readDev reads one device's live state: kind, MAC, MTU, master, the
// bridge's, bond's or VLAN's settings, its addresses by origin (leased
// holds the CIDRs that are leases though the kernel no longer says so:
// moved by this transaction), and its static routes.
func readDev(tg *target.Target, ls links, hd host.Device, leased map[string]bool) (Dev, error) {
	l := ls.byName[hd.Name]
	a := l.Attrs()
	d := Dev{Name: a.Name, Kind: kindOf(l)}
	if d.Kind == "" {
		return d, errkind.Invalid("%s: a %s device is not kept by a network manager", a.Name, l.Type())
	}
	if a.MTU != 1500 && a.MTU != 0 {
		d.MTU = a.MTU
	}
	if m, ok := ls.byIndex[a.MasterIndex]; ok && a.MasterIndex != 0 {
		d.Master, d.MasterKind = m.Attrs().Name, kindOf(m)
	}
	switch d.Kind {
	case KindBridge:
		d.MAC = a.HardwareAddr.String()
		d.Ports = ls.ports(l)
		b, err := bridge.Get(tg, a.Name)
		if err != nil {
			return d, err
		}
		d.Bridge = &BridgeOpts{STP: b.STP == "yes", ForwardDelay: b.ForwardDelay}
	case KindBond:
		d.MAC = a.HardwareAddr.String()
		d.Ports = ls.ports(l)
		st, err := bond.Get(tg, a.Name)
		if err != nil {
			return d, err
		}
		d.Bond = &BondOpts{Mode: st.Mode, Miimon: st.Miimon, UpDelay: st.UpDelay, DownDelay: st.DownDelay,
			Primary: st.Primary, LacpRate: st.LacpRate, HashPolicy: st.HashPolicy}
	case KindVLAN:
		v := l.(*netlink.Vlan)
		parent := ls.byIndex[a.ParentIndex]
		if parent == nil {
			return d, errkind.NotFound("%s: its parent (index %d) is not in this namespace", a.Name, a.ParentIndex)
		}
		d.VLAN = &VLANOpts{Parent: parent.Attrs().Name, ID: v.VlanId}
	}
	if d.Port() {
		return d, nil
	}
	for _, ad := range hd.Addresses {
		switch {
		case ad.Origin == host.OriginDHCP || (ad.Origin == host.OriginStatic && leased[ad.CIDR]):
			d.DHCP4 = true
		case ad.Origin == host.OriginSLAAC || ad.Origin == host.OriginDHCPv6:
			d.IPv6Auto = true
		case ad.Origin == host.OriginLink:
			d.LinkLocal6 = d.LinkLocal6 || net.ParseIP(stripPrefix(ad.CIDR)).To4() == nil
		default:
			d.Addrs = append(d.Addrs, ad.CIDR)
		}
	}
	return d, readRoutes(tg, l, &d)
}

func stripPrefix(cidr string) string {
	ip, _, err := net.ParseCIDR(cidr)
	if err != nil {
		return cidr
	}
	return ip.String()
}

// readRoutes keeps the main table's routes an admin made through the
// device: the default route as the gateway, the others as routes. The
// kernel's prefix routes, RA routes and, on a DHCP device, what the lease
// brings are left out.
func readRoutes(tg *target.Target, l netlink.Link, d *Dev) error {
	rs, err := tg.RouteList(netlink.FAMILY_ALL, &netlink.Route{LinkIndex: l.Attrs().Index, Table: unix.RT_TABLE_MAIN},
		netlink.RT_FILTER_OIF|netlink.RT_FILTER_TABLE)
	if err != nil {
		return errkind.System("routes of %s: %w", d.Name, err)
	}
	for _, r := range rs {
		if r.Protocol == unix.RTPROT_KERNEL || r.Protocol == unix.RTPROT_RA || r.Type != unix.RTN_UNICAST {
			continue
		}
		v4 := r.Family == unix.AF_INET || (r.Dst != nil && r.Dst.IP.To4() != nil) || (r.Gw != nil && r.Gw.To4() != nil)
		if r.Dst == nil || isDefault(r.Dst) {
			if v4 && d.Metric4 == 0 {
				d.Metric4 = r.Priority
			} else if !v4 && d.Metric6 == 0 {
				d.Metric6 = r.Priority
			}
		}
		if d.DHCP4 && v4 && (r.Protocol == unix.RTPROT_DHCP || r.Dst == nil || isDefault(r.Dst)) {
			continue
		}
		if !v4 && d.IPv6Auto && (r.Dst == nil || isDefault(r.Dst)) {
			continue
		}
		gw := ""
		if r.Gw != nil {
			gw = r.Gw.String()
		}
		if r.Dst == nil || isDefault(r.Dst) {
			if v4 && d.Gateway4 == "" {
				d.Gateway4 = gw
			} else if !v4 && d.Gateway6 == "" {
				d.Gateway6 = gw
			}
			continue
		}
		if r.Dst.IP.IsLinkLocalUnicast() || r.Dst.IP.IsMulticast() {
			continue
		}
		d.Routes = append(d.Routes, Route{Dst: r.Dst.String(), Gateway: gw, Metric: r.Priority})
	}
	return nil
}

func isDefault(n *net.IPNet) bool {
	ones, _ := n.Mask.Size()
	return ones == 0 && n.IP.IsUnspecified()
}
