package persist

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// netplanFile is the YAML persist writes; netplan reads /etc/netplan in
// lexical order, so it comes after the admin's files.
const netplanFile = "netplan/90-rewire.yaml"

// netplanStrip are the keys of a device's definition in the admin's YAML
// that persist takes over (netplan merges a device defined in two files,
// appending lists, so they must go from the old one).
var netplanStrip = []string{"dhcp4", "dhcp6", "addresses", "gateway4", "gateway6", "routes", "nameservers", "accept-ra"}

// netplanStripVirtual are taken over as well from a bridge, bond or VLAN.
var netplanStripVirtual = []string{"interfaces", "parameters", "macaddress", "mtu", "id", "link"}

// renderNetplan writes 90-rewire.yaml with every device, and edits the
// YAML that defined a device before so that it no longer addresses it.
func renderNetplan(w *world, devs []*Owned) ([]File, error) {
	edited := map[string]string{}
	carried := map[string][]string{} // master → lines of its ports' nameservers etc.
	for _, o := range devs {
		if o.Profile == "" {
			continue
		}
		p, ok := etcPath(w.Etc, o.Profile)
		if !ok || strings.HasSuffix(p, netplanFile) {
			continue
		}
		cur, ok := edited[p]
		if !ok {
			if cur, ok = w.Read(p); !ok {
				continue
			}
		}
		strip := netplanStrip
		if o.Virtual() {
			strip = append(append([]string(nil), strip...), netplanStripVirtual...)
		}
		out, removed, err := yamlStrip(cur, o.Name, strip)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", o.Name, o.Profile, err)
		}
		edited[p] = out
		if o.Port() {
			for _, k := range netplanCarry {
				carried[o.Master] = append(carried[o.Master], removed[k]...)
			}
		}
	}
	var files []File
	var paths []string
	for p := range edited {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		files = append(files, File{Path: p, Content: edited[p], Mode: 0o600, Flavour: FlavourNetplan})
	}
	files = append(files, File{Path: filepath.Join(w.Etc, netplanFile), Content: netplanYAML(devs, carried), Mode: 0o600, Flavour: FlavourNetplan})
	return files, nil
}

var netplanSections = []struct{ kind, key string }{
	{KindEthernet, "ethernets"}, {KindBond, "bonds"}, {KindBridge, "bridges"}, {KindVLAN, "vlans"},
}

func netplanYAML(devs []*Owned, carried map[string][]string) string {
	var b strings.Builder
	b.WriteString("# Written by rewire (persist): the host's bridges, bonds, VLANs and addresses as they were made live.\n")
	b.WriteString("network:\n  version: 2\n")
	for _, sec := range netplanSections {
		first := true
		for _, o := range devs {
			if o.Kind != sec.kind {
				continue
			}
			if first {
				b.WriteString("  " + sec.key + ":\n")
				first = false
			}
			netplanDev(&b, o, carried[o.Name])
		}
	}
	return b.String()
}

func netplanDev(b *strings.Builder, o *Owned, carried []string) {
	var lines []string
	add := func(s string, args ...any) { lines = append(lines, fmt.Sprintf(s, args...)) }
	if o.Renderer == "NetworkManager" {
		add("renderer: NetworkManager")
	}
	if len(o.Ports) > 0 && (o.Kind == KindBridge || o.Kind == KindBond) {
		add("interfaces: [%s]", strings.Join(o.Ports, ", "))
	} else if o.Kind == KindBridge || o.Kind == KindBond {
		add("interfaces: []")
	}
	if o.VLAN != nil {
		add("id: %d", o.VLAN.ID)
		add("link: %s", o.VLAN.Parent)
	}
	if o.MAC != "" {
		add("macaddress: \"%s\"", o.MAC)
	}
	if o.MTU != 0 {
		add("mtu: %d", o.MTU)
	}
	if !o.Port() {
		add("dhcp4: %t", o.DHCP4)
		add("dhcp6: %t", o.IPv6Auto)
		if !o.LinkLocal6 && !o.IPv6Auto && !hasV6(o.Addrs) {
			add("link-local: []")
		}
		if len(o.Addrs) > 0 {
			add("addresses:")
			for _, a := range o.Addrs {
				add("  - %s", a)
			}
		}
		var routes []string
		for _, gw := range []string{o.Gateway4, o.Gateway6} {
			if gw != "" {
				routes = append(routes, "  - to: default", "    via: "+gw)
			}
		}
		for _, r := range o.Routes {
			routes = append(routes, "  - to: "+r.Dst)
			if r.Gateway != "" {
				routes = append(routes, "    via: "+r.Gateway)
			}
			if r.Metric != 0 {
				routes = append(routes, "    metric: "+strconv.Itoa(r.Metric))
			}
		}
		if len(routes) > 0 {
			add("routes:")
			lines = append(lines, routes...)
		}
		lines = append(lines, carried...)
	}
	if o.Bridge != nil {
		add("parameters:")
		add("  stp: %t", o.Bridge.STP)
		add("  forward-delay: %d", o.Bridge.ForwardDelay)
	}
	if o.Bond != nil {
		add("parameters:")
		add("  mode: %s", o.Bond.Mode)
		if o.Bond.Miimon != 0 {
			add("  mii-monitor-interval: %d", o.Bond.Miimon)
		}
		if o.Bond.UpDelay != 0 {
			add("  up-delay: %d", o.Bond.UpDelay)
		}
		if o.Bond.DownDelay != 0 {
			add("  down-delay: %d", o.Bond.DownDelay)
		}
		if o.Bond.Primary != "" {
			add("  primary: %s", o.Bond.Primary)
		}
		if o.Bond.Mode == "802.3ad" && o.Bond.LacpRate != "" {
			add("  lacp-rate: %s", o.Bond.LacpRate)
		}
		if (o.Bond.Mode == "802.3ad" || o.Bond.Mode == "balance-xor") && o.Bond.HashPolicy != "" {
			add("  transmit-hash-policy: %s", o.Bond.HashPolicy)
		}
	}
	if len(lines) == 0 {
		b.WriteString("    " + o.Name + ": {}\n")
		return
	}
	b.WriteString("    " + o.Name + ":\n")
	for _, l := range lines {
		b.WriteString("      " + l + "\n")
	}
}

// yamlStrip removes keys from device name's mapping in a netplan YAML
// (block style, as netplan's own files and admins write them), keeping
// every other line, comment and indentation as it was. A device written
// in flow style ({...}) is an error: persist does not rewrite it.
func yamlStrip(src, name string, keys []string) (string, map[string][]string, error) {
	trailing := strings.HasSuffix(src, "\n")
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	var out []string
	removed := map[string][]string{}
	cur := ""
	devLine, kept := -1, false
	closeDev := func() { // a definition left with no key is an empty mapping
		if devLine >= 0 && !kept {
			out[devLine] += " {}"
		}
		devLine, kept = -1, false
	}
	typeIndent, devIndent, childIndent, skipIndent := -1, -1, -1, -1
	indentOf := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	for _, line := range lines {
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' {
			if skipIndent < 0 {
				out = append(out, line)
			}
			continue
		}
		in := indentOf(line)
		if skipIndent >= 0 {
			if in > skipIndent {
				removed[cur] = append(removed[cur], line[childIndent:])
				continue
			}
			skipIndent = -1
		}
		key, val, _ := strings.Cut(t, ":")
		key = strings.Trim(key, `"'`)
		switch {
		case devIndent >= 0 && in > devIndent:
			if childIndent < 0 {
				childIndent = in
			}
			if in == childIndent && contains(keys, key) {
				skipIndent, cur = in, key
				removed[key] = append(removed[key], line[childIndent:])
				continue
			}
			kept = true
		case devIndent >= 0:
			devIndent, childIndent = -1, -1
			closeDev()
			fallthrough
		default:
			if typeIndent >= 0 && in <= typeIndent {
				typeIndent = -1
			}
			if netplanKinds[key] {
				typeIndent = in
			} else if typeIndent >= 0 && key == name {
				if v := strings.TrimSpace(val); v != "" && !strings.HasPrefix(v, "#") {
					return "", nil, fmt.Errorf("%s is written in flow style (%s); write it as a block mapping to let rewire edit it", name, t)
				}
				devIndent, devLine = in, len(out)
			}
		}
		out = append(out, line)
	}
	closeDev()
	res := strings.Join(out, "\n")
	if trailing {
		res += "\n"
	}
	return res, removed, nil
}

// netplanCarry are the keys of a NIC's old definition that move to its
// master with its addresses.
var netplanCarry = []string{"nameservers", "dhcp4-overrides", "dhcp6-overrides"}

var netplanKinds = map[string]bool{"ethernets": true, "bridges": true, "bonds": true, "vlans": true}
