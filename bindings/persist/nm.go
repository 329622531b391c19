package persist

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// nmDir is where NetworkManager's keyfile plugin keeps profiles.
const nmDir = "NetworkManager/system-connections"

// nmTypes are keyfile connection types by kind.
var nmTypes = map[string]string{KindEthernet: "ethernet", KindBridge: "bridge", KindBond: "bond", KindVLAN: "vlan"}

// renderNM writes one keyfile per device, with the keys NetworkManager
// 1.42 reads (master=/slave-type=, not 1.46's controller=/port-type=).
// A device's own profile is edited in place — a NIC that became a port
// keeps its id, uuid and [ethernet] settings, loses [ipv4]/[ipv6] and
// names its master — and a new device gets NAME.nmconnection.
func renderNM(w *world, devs []*Owned) ([]File, error) {
	paths, docs := map[string]string{}, map[string]*ini{}
	carried := map[string][]*section{} // master → its ports' old [ipv4]/[ipv6]
	for _, o := range devs {
		paths[o.Name], docs[o.Name] = filepath.Join(w.Etc, nmDir, o.Name+".nmconnection"), &ini{}
		if p, ok := etcPath(w.Etc, o.Profile); ok && o.Profile != "" {
			if cur, ok := w.Read(p); ok {
				paths[o.Name], docs[o.Name] = p, parseINI(cur)
			}
		} else if strings.HasPrefix(o.Profile, "/run/NetworkManager/") && strings.HasSuffix(o.Profile, ".nmconnection") {
			// a runtime profile (the initrd's, nmcli's --temporary): an
			// /etc keyfile with its UUID replaces it for good
			if cur, ok := w.Read(w.source(o.Profile)); ok {
				paths[o.Name], docs[o.Name] = filepath.Join(w.Etc, nmDir, filepath.Base(o.Profile)), parseINI(cur)
			}
		}
		if o.Port() {
			carried[o.Master] = append(carried[o.Master], docs[o.Name].drop("ipv4", "ipv6")...)
		}
	}
	var out []File
	for _, o := range devs {
		doc := docs[o.Name]
		if err := nmProfile(w, o, doc, carried[o.Name]); err != nil {
			return nil, err
		}
		out = append(out, File{Path: paths[o.Name], Content: doc.String(), Mode: 0o600, Device: o.Name, Flavour: FlavourNM})
	}
	return out, nil
}

// nmOwnedIP are the [ipv4]/[ipv6] keys rewire writes; a port's other keys
// (dns=, dns-search=, dhcp-client-id=, may-fail=, ...) move to its master.
func nmOwnedIP(k string) bool {
	if k == "method" || k == "gateway" || k == "route-metric" {
		return true
	}
	for _, p := range []string{"address", "route"} {
		if rest, ok := strings.CutPrefix(k, p); ok && rest != "" && rest[0] >= '0' && rest[0] <= '9' {
			return true
		}
	}
	return false
}

// carryIP adds the carried keys of a port's old section to s, where s
// does not say them already; the IPv6 method "auto" or "disabled" the
// port had stands for a master that has only a link-local address now
// (no RA on the LAN yet, or the kernel's own on a new bridge).
func carryIP(s *section, from []*section) {
	for _, c := range from {
		if c.name != s.name {
			continue
		}
		for _, k := range c.keys {
			if !nmOwnedIP(k.key) && s.get(k.key) == "" {
				s.append(k.key, k.value)
			}
		}
		if m := c.get("method"); s.name == "ipv6" && (m == "auto" || m == "disabled") && s.get("method") == "link-local" {
			s.set("method", m)
		}
	}
}

// nmProfile makes doc say what o is, keeping what rewire does not own.
func nmProfile(w *world, o *Owned, doc *ini, carried []*section) error {
	c := doc.section("connection")
	if c.get("id") == "" {
		id := o.ID
		if id == "" {
			id = o.Name
		}
		c.set("id", id)
	}
	if c.get("uuid") == "" {
		u := o.UUID
		if u == "" {
			u = uuidFor(o.Name)
		}
		c.set("uuid", u)
	}
	c.set("type", nmTypes[o.Kind])
	c.set("interface-name", o.Name)
	for _, k := range []string{"master", "slave-type", "controller", "port-type"} {
		c.del(k)
	}
	if o.Port() {
		c.set("master", o.Master)
		c.set("slave-type", o.MasterKind)
	}
	if o.Kind == KindBridge || o.Kind == KindBond {
		// `connection up br0` takes its ports from their own profiles.
		c.set("autoconnect-slaves", "1")
	}
	eth := doc.find("ethernet")
	if o.MTU != 0 || o.Kind == KindBond && o.MAC != "" {
		eth = doc.section("ethernet")
	}
	if eth != nil {
		eth.del("mtu")
		if o.MTU != 0 {
			eth.set("mtu", strconv.Itoa(o.MTU))
		}
	}
	switch o.Kind {
	case KindBridge:
		b := doc.section("bridge")
		b.set("mac-address", strings.ToUpper(o.MAC))
		b.set("stp", strconv.FormatBool(o.Bridge.STP))
		b.del("forward-delay")
		// With STP off the delay is never waited (a port forwards at
		// once): one NetworkManager would refuse (0, 1) is left out.
		if fd := o.Bridge.ForwardDelay; o.Bridge.STP || fd >= 2 && fd <= 30 {
			b.set("forward-delay", strconv.Itoa(fd))
		}
	case KindBond:
		doc.section("ethernet").set("cloned-mac-address", strings.ToUpper(o.MAC))
		b := doc.section("bond")
		b.keys = nil
		b.set("mode", o.Bond.Mode)
		for _, kv := range bondKV(o.Bond) {
			b.set(kv[0], kv[1])
		}
	case KindVLAN:
		v := doc.section("vlan")
		v.set("parent", o.VLAN.Parent)
		v.set("id", strconv.Itoa(o.VLAN.ID))
	}
	doc.drop("ipv4", "ipv6")
	if o.Port() {
		return nil
	}
	v4, v6 := splitV4(o.Addrs)
	ip4 := doc.section("ipv4")
	switch {
	case o.DHCP4:
		ip4.set("method", "auto")
	case len(v4) > 0:
		ip4.set("method", "manual")
	default:
		ip4.set("method", "disabled")
	}
	nmAddrs(ip4, v4, o.Gateway4, o.Routes, true)
	nmMetric(ip4, o.Metric4)
	carryIP(ip4, carried)
	ip6 := doc.section("ipv6")
	switch {
	case o.IPv6Auto:
		ip6.set("method", "auto")
	case len(v6) > 0:
		ip6.set("method", "manual")
	case o.LinkLocal6:
		ip6.set("method", "link-local")
	default:
		ip6.set("method", "disabled")
	}
	nmAddrs(ip6, v6, o.Gateway6, o.Routes, false)
	nmMetric(ip6, o.Metric6)
	carryIP(ip6, carried)
	return nil
}

func nmAddrs(s *section, addrs []string, gw string, routes []Route, v4 bool) {
	for i, a := range addrs {
		s.set(fmt.Sprintf("address%d", i+1), a)
	}
	if gw != "" {
		s.set("gateway", gw)
	}
	n := 0
	for _, r := range routes {
		if isV4(r.Dst) != v4 {
			continue
		}
		n++
		v := r.Dst
		if r.Gateway != "" || r.Metric != 0 {
			v += "," + r.Gateway
		}
		if r.Metric != 0 {
			v += "," + strconv.Itoa(r.Metric)
		}
		s.set(fmt.Sprintf("route%d", n), v)
	}
}

// nmMetric keeps the default route's metric (ipv4.route-metric): NM's
// default for a bridge (425) is not the ethernet's (100) it came from.
func nmMetric(s *section, m int) {
	if m > 0 {
		s.set("route-metric", strconv.Itoa(m))
	}
}

// bondKV are a bond's options as the kernel (and NetworkManager's
// [bond] section, ifcfg's BONDING_OPTS) names them, mode aside.
func bondKV(b *BondOpts) [][2]string {
	var out [][2]string
	add := func(k, v string) {
		if v != "" && v != "0" {
			out = append(out, [2]string{k, v})
		}
	}
	add("miimon", strconv.Itoa(b.Miimon))
	add("updelay", strconv.Itoa(b.UpDelay))
	add("downdelay", strconv.Itoa(b.DownDelay))
	add("primary", b.Primary)
	if b.Mode == "802.3ad" {
		add("lacp_rate", b.LacpRate)
	}
	if b.Mode == "802.3ad" || b.Mode == "balance-xor" {
		add("xmit_hash_policy", b.HashPolicy)
	}
	return out
}
