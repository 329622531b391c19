package persist

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// ifupDir is the directory Debian's /etc/network/interfaces sources.
const ifupDir = "network/interfaces.d"

// ifupTop are the words that begin a new stanza (interfaces(5)).
var ifupTop = map[string]bool{"iface": true, "auto": true, "mapping": true, "source": true, "source-directory": true,
	"no-auto-down": true, "no-scripts": true, "rename": true}

// renderIfupdown writes a device's stanza where its old one stood (the
// NIC that became a port: `inet manual`, no address, its master's
// bond-master when a bond's), else interfaces.d/rewire-NAME with `auto`.
// Bridges use bridge-utils' bridge_ports, bridge_stp, bridge_fd; bonds
// ifenslave's bond-*; VLANs vlan-raw-device.
func renderIfupdown(w *world, devs []*Owned) ([]File, error) {
	edited := map[string]string{}
	carried := map[string][]string{} // master → its ports' dns-* options
	// ports first: their old stanzas give up options their masters take
	ordered := append([]*Owned(nil), devs...)
	sort.SliceStable(ordered, func(i, j int) bool { return ordered[i].Port() && !ordered[j].Port() })
	var news []File
	for _, o := range ordered {
		st := ifupStanza(w, o, carried[o.Name])
		p, ok := etcPath(w.Etc, o.Profile)
		if ok && o.Profile != "" {
			cur, had := edited[p]
			if !had {
				cur, had = w.Read(p)
			}
			if had {
				out, dns, found := replaceStanza(cur, o.Name, st)
				if found {
					edited[p] = out
					if o.Port() {
						carried[o.Master] = append(carried[o.Master], dns...)
					}
					continue
				}
			}
		}
		news = append(news, File{Path: filepath.Join(w.Etc, ifupDir, "rewire-"+o.Name),
			Content: "# Written by rewire (persist).\nauto " + o.Name + "\n" + st, Mode: 0o644, Device: o.Name, Flavour: FlavourIfupdown})
	}
	sort.Slice(news, func(i, j int) bool { return news[i].Path < news[j].Path })
	var out []File
	var paths []string
	for p := range edited {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		out = append(out, File{Path: p, Content: edited[p], Mode: 0o644, Flavour: FlavourIfupdown})
	}
	return append(out, news...), nil
}

// ifupStanza is the device's iface stanzas (inet, and inet6 when it has
// IPv6 of its own).
func ifupStanza(w *world, o *Owned, carried []string) string {
	var b strings.Builder
	opt := func(f string, args ...any) { b.WriteString("    " + fmt.Sprintf(f, args...) + "\n") }
	v4, v6 := splitV4(o.Addrs)
	method := "manual"
	switch {
	case o.Port():
	case o.DHCP4:
		method = "dhcp"
	case len(v4) > 0:
		method = "static"
	}
	fmt.Fprintf(&b, "iface %s inet %s\n", o.Name, method)
	if o.Port() && o.MasterKind == KindBond {
		opt("bond-master %s", o.Master) // the bond's stanza names its primary
	}
	switch o.Kind {
	case KindBridge:
		ports := "none"
		if len(o.Ports) > 0 {
			ports = strings.Join(o.Ports, " ")
		}
		opt("bridge_ports %s", ports)
		opt("bridge_stp %s", map[bool]string{true: "on", false: "off"}[o.Bridge.STP])
		opt("bridge_fd %d", o.Bridge.ForwardDelay)
	case KindBond:
		slaves := "none"
		if len(o.Ports) > 0 {
			slaves = strings.Join(o.Ports, " ")
		}
		opt("bond-slaves %s", slaves)
		opt("bond-mode %s", o.Bond.Mode)
		for _, kv := range bondKV(o.Bond) {
			opt("bond-%s %s", strings.ReplaceAll(kv[0], "_", "-"), kv[1])
		}
	case KindVLAN:
		opt("vlan-raw-device %s", o.VLAN.Parent)
	}
	if o.MAC != "" {
		opt("hwaddress ether %s", o.MAC)
	}
	if o.MTU != 0 {
		opt("mtu %d", o.MTU)
	}
	if method == "static" {
		opt("address %s", v4[0])
		if o.Gateway4 != "" {
			opt("gateway %s", o.Gateway4)
		}
		for _, a := range v4[1:] {
			opt("up ip addr add %s dev %s", a, o.Name)
		}
	}
	if !o.Port() {
		for _, c := range carried {
			opt("%s", c)
		}
		for _, r := range o.Routes {
			if !isV4(r.Dst) {
				continue
			}
			opt("up ip route add %s", ifupRoute(r, o.Name))
		}
	}
	if o.Port() {
		return b.String()
	}
	switch {
	case len(v6) > 0:
		fmt.Fprintf(&b, "iface %s inet6 static\n", o.Name)
		opt("address %s", v6[0])
		if o.Gateway6 != "" {
			opt("gateway %s", o.Gateway6)
		}
		for _, a := range v6[1:] {
			opt("up ip -6 addr add %s dev %s", a, o.Name)
		}
	case o.IPv6Auto:
		fmt.Fprintf(&b, "iface %s inet6 auto\n", o.Name)
	}
	for _, r := range o.Routes {
		if isV4(r.Dst) || len(v6) == 0 {
			continue
		}
		opt("up ip -6 route add %s", ifupRoute(r, o.Name))
	}
	return b.String()
}

func ifupRoute(r Route, dev string) string {
	s := r.Dst
	if r.Gateway != "" {
		s += " via " + r.Gateway
	}
	s += " dev " + dev
	if r.Metric != 0 {
		s += fmt.Sprintf(" metric %d", r.Metric)
	}
	return s
}

// replaceStanza puts st where name's first iface stanza stood and drops
// its other iface stanzas (inet6 among them); auto and allow- lines stay.
func replaceStanza(src, name, st string) (string, []string, bool) {
	trailing := strings.HasSuffix(src, "\n")
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	var out, carried []string
	in, found := false, false
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) > 0 && (ifupTop[f[0]] || strings.HasPrefix(f[0], "allow-")) {
			in = false
			if f[0] == "iface" && len(f) >= 2 && f[1] == name {
				in = true
				if !found {
					found = true
					out = append(out, strings.Split(strings.TrimRight(st, "\n"), "\n")...)
				}
				continue
			}
		}
		if in {
			if len(f) > 0 && strings.HasPrefix(f[0], "dns-") {
				carried = append(carried, strings.Join(f, " "))
			}
			continue
		}
		out = append(out, line)
	}
	res := strings.Join(out, "\n")
	if trailing {
		res += "\n"
	}
	return res, carried, found
}
