package persist

import (
	"fmt"
	"path/filepath"
	"strconv"
)

// ndDir is where an admin's networkd units live (they override /run and
// /usr/lib files of the same name).
const ndDir = "systemd/network"

// ndNetworkKeys are the [Network] keys that carry a device's addressing
// or its master: rewire rewrites them, the rest of the section stays.
var ndNetworkKeys = []string{"DHCP", "Address", "Gateway", "DNS", "Domains", "IPv6AcceptRA", "Bridge", "Bond", "VLAN",
	"LinkLocalAddressing", "PrimarySlave", "ConfigureWithoutCarrier"}

// renderNetworkd writes, per device, a .netdev for what networkd must
// create (bridge, bond, VLAN) and the device's .network: its own file
// edited in place (an /etc file of the same name when networkd read it
// from /run or /usr/lib), else 10-rewire-NAME.network. A NIC that became
// a port keeps its [Match] and [Link], loses its addresses, routes and
// DHCP sections (the DHCP ones move to the master) and says Bridge= or Bond=.
func renderNetworkd(w *world, devs []*Owned) ([]File, error) {
	var out []File
	moved := map[string][]*section{} // master → the [DHCPv4]/[DHCPv6] of its ports
	type pending struct {
		o    *Owned
		path string
		doc  *ini
	}
	var nets []pending
	for _, o := range devs {
		path, doc := filepath.Join(w.Etc, ndDir, "10-rewire-"+o.Name+".network"), (*ini)(nil)
		if o.Profile != "" {
			// a file in /run or /usr/lib is read there and overridden by
			// an /etc file of the same name
			p := filepath.Join(w.Etc, ndDir, filepath.Base(o.Profile))
			if cur, ok := w.Read(w.source(o.Profile)); ok {
				path, doc = p, parseINI(cur)
			}
		}
		if doc == nil {
			doc = &ini{}
			doc.section("Match").set("Name", o.Name)
		}
		gone := doc.drop("Address", "Route", "DHCPv4", "DHCPv6", "DHCP", "IPv6AcceptRA")
		if o.Port() {
			for _, s := range gone {
				if s.name == "DHCPv4" || s.name == "DHCPv6" || s.name == "IPv6AcceptRA" {
					moved[o.Master] = append(moved[o.Master], s)
				}
			}
			// the NIC's DNS goes with its addresses
			if n := doc.find("Network"); n != nil {
				dns := &section{name: "Network"}
				for _, k := range n.keys {
					if k.key == "DNS" || k.key == "Domains" {
						dns.append(k.key, k.value)
					}
				}
				if len(dns.keys) > 0 {
					moved[o.Master] = append(moved[o.Master], dns)
				}
			}
		}
		nets = append(nets, pending{o, path, doc})
		if o.Virtual() {
			out = append(out, File{Path: filepath.Join(w.Etc, ndDir, "10-rewire-"+o.Name+".netdev"),
				Content: ndNetdev(o).String(), Mode: 0o644, Device: o.Name, Flavour: FlavourNetworkd})
		}
	}
	for _, p := range nets {
		ndNetwork(w, p.o, p.doc, moved[p.o.Name])
		out = append(out, File{Path: p.path, Content: p.doc.String(), Mode: 0o644, Device: p.o.Name, Flavour: FlavourNetworkd})
	}
	return out, nil
}

func ndNetdev(o *Owned) *ini {
	d := &ini{}
	n := d.section("NetDev")
	n.set("Name", o.Name)
	n.set("Kind", o.Kind)
	if o.MAC != "" {
		n.set("MACAddress", o.MAC)
	}
	if o.MTU != 0 {
		n.set("MTUBytes", strconv.Itoa(o.MTU))
	}
	switch o.Kind {
	case KindBridge:
		b := d.section("Bridge")
		b.set("STP", yesNo(o.Bridge.STP))
		b.set("ForwardDelaySec", strconv.Itoa(o.Bridge.ForwardDelay))
	case KindBond:
		b := d.section("Bond")
		b.set("Mode", o.Bond.Mode)
		if o.Bond.Miimon != 0 {
			b.set("MIIMonitorSec", fmt.Sprintf("%dms", o.Bond.Miimon))
		}
		if o.Bond.UpDelay != 0 {
			b.set("UpDelaySec", fmt.Sprintf("%dms", o.Bond.UpDelay))
		}
		if o.Bond.DownDelay != 0 {
			b.set("DownDelaySec", fmt.Sprintf("%dms", o.Bond.DownDelay))
		}
		if o.Bond.Mode == "802.3ad" && o.Bond.LacpRate != "" {
			b.set("LACPTransmitRate", o.Bond.LacpRate)
		}
		if (o.Bond.Mode == "802.3ad" || o.Bond.Mode == "balance-xor") && o.Bond.HashPolicy != "" {
			b.set("TransmitHashPolicy", o.Bond.HashPolicy)
		}
	case KindVLAN:
		d.section("VLAN").set("Id", strconv.Itoa(o.VLAN.ID))
	}
	return d
}

// ndNetwork makes doc the device's .network: its master, its VLANs, its
// addresses or DHCP, its routes.
func ndNetwork(w *world, o *Owned, doc *ini, dhcp []*section) {
	if !o.Virtual() && o.MTU != 0 {
		doc.section("Link").set("MTUBytes", strconv.Itoa(o.MTU))
	}
	n := doc.section("Network")
	n.delIf(func(k string) bool { return contains(ndNetworkKeys, k) })
	if o.Port() {
		n.set(map[string]string{KindBridge: "Bridge", KindBond: "Bond"}[o.MasterKind], o.Master)
		if m := w.All[o.Master]; m != nil && m.Bond != nil && m.Bond.Primary == o.Name {
			n.set("PrimarySlave", "yes")
		}
	}
	for _, v := range w.vlansOn(o.Name) {
		n.append("VLAN", v)
	}
	if o.Port() {
		n.set("LinkLocalAddressing", "no")
		return
	}
	switch {
	case o.DHCP4 && o.IPv6Auto:
		n.set("DHCP", "yes")
	case o.DHCP4:
		n.set("DHCP", "ipv4")
	case o.IPv6Auto:
		n.set("DHCP", "ipv6")
	}
	for _, a := range o.Addrs {
		n.append("Address", a)
	}
	for _, gw := range []string{o.Gateway4, o.Gateway6} {
		if gw != "" {
			n.append("Gateway", gw)
		}
	}
	if !o.IPv6Auto && !o.LinkLocal6 && !hasV6(o.Addrs) {
		n.set("LinkLocalAddressing", "no")
	}
	if o.Kind == KindBridge && len(o.Ports) == 0 {
		// a bridge only guests will join has no carrier until one does
		n.set("ConfigureWithoutCarrier", "yes")
	}
	for _, r := range o.Routes {
		s := doc.add("Route")
		s.set("Destination", r.Dst)
		if r.Gateway != "" {
			s.set("Gateway", r.Gateway)
		}
		if r.Metric != 0 {
			s.set("Metric", strconv.Itoa(r.Metric))
		}
	}
	for _, c := range dhcp {
		if c.name == "Network" {
			for _, k := range c.keys {
				n.append(k.key, k.value)
			}
			continue
		}
		if doc.find(c.name) == nil {
			doc.sections = append(doc.sections, c)
		}
	}
	if o.DHCP4 && doc.find("DHCPv4") == nil {
		// the bridge has the NIC's MAC: ask with it, so the server hands
		// back the NIC's lease
		doc.section("DHCPv4").set("ClientIdentifier", "mac")
	}
}

func hasV6(cidrs []string) bool {
	_, v6 := splitV4(cidrs)
	return len(v6) > 0
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
