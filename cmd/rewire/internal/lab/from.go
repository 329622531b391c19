package lab

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"libvirt.org/go/libvirtxml"

	"rewire/bindings/errkind"
	"rewire/bindings/snapshot"
)

// `rewire lab up --from host.json` builds the lab from a snapshot
// (bindings/snapshot) instead of the fixed layout: the lab host gets the
// snapshot's links, addresses, routes, rules, sysctls and firewall; every
// NIC becomes a veth of the same name and MAC whose peer is a port of a
// LAN bridge of its own (lan0, lan1, ...) holding the gateways of the
// NIC's subnets and served by one DHCP server, which reserves every
// DHCP-held address for its MAC; the lab's libvirtd gets the snapshot's
// networks and guests (libvirt_from.go). What this kernel or a lab
// cannot have is left out and said so, one line each.

// fromFile keeps what the lab was made from, for `lab status`.
func (l *Lab) fromFile() string { return filepath.Join(l.Dir, "from.json") }

// FromRecord is what `lab status` says of the snapshot a lab was made from.
type FromRecord struct {
	File     string   `json:"file"`
	Hostname string   `json:"hostname"`
	Taken    string   `json:"taken"`
	LeftOut  []string `json:"left_out"`
}

// uplink is one NIC of the snapshot and its side of the LAN.
type uplink struct {
	NIC, MAC  string
	Bridge    string   // the LAN bridge (lanN)
	Port      string   // the NIC's peer in the LAN
	Gateways  []string // CIDRs on the LAN bridge: each gateway with its subnet's prefix
	Reserve   []reservation
	DHCPRange []string // dnsmasq --dhcp-range values for guests bridged onto the LAN
}

// reservation is a DHCP-held address of the snapshot, reserved for the MAC that leased it.
type reservation struct {
	MAC, IP, Dev string
	Static       bool // the host's own static address: reserved, never leased by the lab
}

// fromPlan is how the lab will look: computed before anything is made,
// so bad input fails with nothing up.
type fromPlan struct {
	uplinks   []*uplink
	libvirtBr map[string]bool   // bridges libvirt's own networks make
	dhcpDevs  map[string]string // device holding a DHCP lease -> its client's manager flavour
	leftOut   []string
}

// isUplink says whether a link of the snapshot leads off the host: a
// NIC, or a veth (the lab's own NIC is one).
func isUplink(lk snapshot.Link) bool {
	return lk.Name != "lo" && (lk.Kind == "device" || lk.Kind == "veth")
}

func planFrom(s *snapshot.Snapshot) (*fromPlan, error) {
	p := &fromPlan{libvirtBr: map[string]bool{}, dhcpDevs: map[string]string{}}
	for _, n := range s.Networks {
		var x libvirtxml.Network
		if err := x.Unmarshal(n.XML); err != nil {
			return nil, errkind.Invalid("network %s: XML: %v", n.Name, err)
		}
		mode := ""
		if x.Forward != nil {
			mode = x.Forward.Mode
		}
		if x.Bridge != nil && x.Bridge.Name != "" && (mode == "" || mode == "nat" || mode == "route" || mode == "open") {
			p.libvirtBr[x.Bridge.Name] = true
		}
	}
	links := map[string]snapshot.Link{}
	for _, lk := range s.Links {
		links[lk.Name] = lk
	}
	byNIC := map[string]*uplink{}
	for _, lk := range s.Links {
		if !isUplink(lk) {
			continue
		}
		i := len(p.uplinks)
		u := &uplink{NIC: lk.Name, MAC: lk.MAC, Bridge: fmt.Sprintf("lan%d", i), Port: "lan-" + lk.Name}
		if len(u.Port) > 15 {
			u.Port = fmt.Sprintf("lan-nic%d", i)
		}
		p.uplinks = append(p.uplinks, u)
		byNIC[lk.Name] = u
	}
	// The NIC under a device: itself, a port of the bridge, a slave of
	// the bond, the VLAN's parent.
	var nicOf func(dev string, depth int) *uplink
	nicOf = func(dev string, depth int) *uplink {
		if u, ok := byNIC[dev]; ok || depth > 4 {
			return u
		}
		if lk, ok := links[dev]; ok && lk.VLAN != nil {
			return nicOf(lk.VLAN.Parent, depth+1)
		}
		for _, lk := range s.Links {
			if lk.Master == dev {
				if u := nicOf(lk.Name, depth+1); u != nil {
					return u
				}
			}
		}
		return nil
	}
	// Each gateway goes on the LAN of the NIC its route leaves by, with
	// the prefix of the host's address that holds it.
	for _, r := range s.Routes {
		if r.Gateway == "" || r.Family != "inet" {
			continue
		}
		u := nicOf(r.Dev, 0)
		if u == nil {
			continue // a gateway behind a libvirt bridge or a tunnel: not the LAN's
		}
		cidr := gatewayCIDR(links[r.Dev], r.Gateway)
		if cidr == "" {
			p.leftOut = append(p.leftOut, fmt.Sprintf("gateway %s of route %s: no address of %s holds its subnet", r.Gateway, snapshot.RouteString(r), r.Dev))
			continue
		}
		if !contains(u.Gateways, cidr) {
			u.Gateways = append(u.Gateways, cidr)
			if rng := guestRange(cidr); rng != "" {
				u.DHCPRange = append(u.DHCPRange, rng)
			}
		}
	}
	// The host's own static addresses on a LAN are reserved for their
	// MAC too, so the LAN's DHCP server never gives a guest one of them.
	for _, lk := range s.Links {
		u := nicOf(lk.Name, 0)
		if u == nil || lk.MAC == "" {
			continue
		}
		for _, a := range lk.Addresses {
			ip, _, err := net.ParseCIDR(a.CIDR)
			if err != nil || a.Origin != "static" || ip.To4() == nil || !onLAN(u, ip) {
				continue
			}
			u.Reserve = append(u.Reserve, reservation{MAC: lk.MAC, IP: ip.String(), Dev: lk.Name, Static: true})
		}
	}
	for _, lk := range s.Links {
		for _, a := range lk.Addresses {
			if a.Origin != "dhcp" {
				continue
			}
			u := nicOf(lk.Name, 0)
			if u == nil {
				p.leftOut = append(p.leftOut, fmt.Sprintf("DHCP lease %s of %s: %s leads to no NIC, kept as a static address", a.CIDR, lk.Name, lk.Name))
				continue
			}
			ip, _, _ := net.ParseCIDR(a.CIDR)
			u.Reserve = append(u.Reserve, reservation{MAC: lk.MAC, IP: ip.String(), Dev: lk.Name})
			flav := ManagerNetworkd
			switch lk.Manager {
			case "NetworkManager":
				flav = ManagerNM
			case "systemd-networkd":
			default:
				p.leftOut = append(p.leftOut, fmt.Sprintf("%s's DHCP client (%s, manager %s): systemd-networkd leases it in the lab", lk.Name, orDash(a.Client), orDash(lk.Manager)))
			}
			p.dhcpDevs[lk.Name] = flav
		}
	}
	var flav string
	for dev, f := range p.dhcpDevs {
		if flav != "" && f != flav {
			return nil, errkind.Invalid("snapshot: DHCP leases held by both NetworkManager and systemd-networkd (%s): the lab runs one manager", dev)
		}
		flav = f
	}
	return p, nil
}

// gatewayCIDR is gw with the prefix of dev's IPv4 address whose subnet holds it.
func gatewayCIDR(dev snapshot.Link, gw string) string {
	g := net.ParseIP(gw)
	for _, a := range dev.Addresses {
		_, n, err := net.ParseCIDR(a.CIDR)
		if err == nil && n.Contains(g) && g.To4() != nil {
			ones, _ := n.Mask.Size()
			return fmt.Sprintf("%s/%d", gw, ones)
		}
	}
	return ""
}

// guestRange is the LAN's dynamic range for guests bridged onto it (.100
// to .200 of a /24 or larger, as the fixed lab has it), "" for a smaller subnet.
func guestRange(gwCIDR string) string {
	_, n, err := net.ParseCIDR(gwCIDR)
	if err != nil {
		return ""
	}
	if ones, _ := n.Mask.Size(); ones > 24 {
		return ""
	}
	ip := n.IP.To4()
	first := net.IPv4(ip[0], ip[1], ip[2], 100)
	last := net.IPv4(ip[0], ip[1], ip[2], 200)
	return first.String() + "," + last.String()
}

// onLAN says whether ip is in the subnet of one of u's gateways.
func onLAN(u *uplink, ip net.IP) bool {
	for _, gw := range u.Gateways {
		if _, n, err := net.ParseCIDR(gw); err == nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func orDash(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// note records a part of the snapshot the lab leaves out.
func (l *Lab) note(f string, a ...any) { l.notes = append(l.notes, fmt.Sprintf(f, a...)) }

// recordFrom keeps what the lab was made from for `lab status`.
func (l *Lab) recordFrom() error {
	r := FromRecord{File: l.FromName, Hostname: l.From.Hostname, Taken: l.From.Taken, LeftOut: l.notes}
	if r.LeftOut == nil {
		r.LeftOut = []string{}
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(l.fromFile(), b, 0o600)
}

// FromOf is what the lab was made from; ok false for the fixed lab.
func (l *Lab) FromOf() (FromRecord, bool) {
	var r FromRecord
	b, err := os.ReadFile(l.fromFile())
	if err != nil || json.Unmarshal(b, &r) != nil {
		return r, false
	}
	return r, true
}

func statusFrom(l *Lab, st map[string]any) {
	if r, ok := l.FromOf(); ok {
		st["from"] = r.File
		if r.Taken != "" {
			st["from"] = fmt.Sprintf("%s (%s, taken %s)", r.File, r.Hostname, r.Taken)
		}
		if len(r.LeftOut) > 0 {
			st["from_left_out"] = strings.Join(r.LeftOut, "; ")
		}
	}
}
