package persist

import (
	"fmt"
	"net"
	"path/filepath"
	"sort"
	"strings"
)

// ifcfgDir is where RHEL-style hosts keep network-scripts.
const ifcfgDir = "sysconfig/network-scripts"

// ifcfgOwned are the keys persist writes; an existing file keeps the
// others (NAME, UUID, HWADDR, ...), as stdlib/ifcfg.lua's fields.
var ifcfgOwned = []string{"DEVICE", "TYPE", "ONBOOT", "BOOTPROTO", "BONDING_MASTER", "BONDING_OPTS", "MASTER", "SLAVE",
	"BRIDGE", "GATEWAY", "STP", "DELAY", "MACADDR", "MTU", "VLAN", "PHYSDEV", "VLAN_ID", "NM_CONTROLLED",
	"IPV6INIT", "IPV6_AUTOCONF", "IPV6ADDR", "IPV6ADDR_SECONDARIES", "IPV6_DEFAULTGW", "DHCPV6C"}

// ifcfgOrder is the order keys appear in, as the field procedures write them.
var ifcfgOrder = []string{"DEVICE", "TYPE", "ONBOOT", "BOOTPROTO", "BONDING_MASTER", "BONDING_OPTS", "MASTER", "SLAVE",
	"BRIDGE", "IPADDR", "PREFIX", "GATEWAY", "STP", "DELAY", "NM_CONTROLLED"}

var ifcfgTypes = map[string]string{KindEthernet: "Ethernet", KindBridge: "Bridge", KindBond: "Bond", KindVLAN: "Vlan"}

// renderIfcfg writes ifcfg-NAME (and route-NAME for static routes) per
// device: the key set of stdlib/ifcfg.lua, NM_CONTROLLED=yes when
// NetworkManager's ifcfg-rh plugin reads the files, no otherwise.
func renderIfcfg(w *world, devs []*Owned) ([]File, error) {
	type cur struct {
		path  string
		kv    map[string]string
		order []string
	}
	curs := map[string]*cur{}
	carried := map[string]map[string]string{} // master → its ports' DNS1.., DOMAIN, PEERDNS
	for _, o := range devs {
		c := &cur{path: filepath.Join(w.Etc, ifcfgDir, "ifcfg-"+o.Name), kv: map[string]string{}}
		if p, ok := etcPath(w.Etc, o.Profile); ok && o.Profile != "" {
			if s, ok := w.Read(p); ok {
				c.path = p
				c.kv, c.order = parseEnv(s)
			}
		}
		for k, v := range c.kv {
			dns := strings.HasPrefix(k, "DNS") || k == "DOMAIN" || k == "PEERDNS"
			if dns && o.Port() {
				if carried[o.Master] == nil {
					carried[o.Master] = map[string]string{}
				}
				carried[o.Master][k] = v
			}
			if contains(ifcfgOwned, k) || strings.HasPrefix(k, "IPADDR") || strings.HasPrefix(k, "PREFIX") ||
				strings.HasPrefix(k, "NETMASK") || (dns && o.Port()) {
				delete(c.kv, k)
			}
		}
		curs[o.Name] = c
	}
	var out []File
	for _, o := range devs {
		c := curs[o.Name]
		path, kv, order := c.path, c.kv, c.order
		for k, v := range carried[o.Name] {
			if _, ok := kv[k]; !ok {
				kv[k] = v
			}
		}
		ifcfgFields(w, o, kv)
		out = append(out, File{Path: path, Content: renderEnv(kv, order), Mode: 0o644, Device: o.Name, Flavour: FlavourIfcfg})
		if r := ifcfgRoutes(o); r != "" && !o.Port() {
			out = append(out, File{Path: filepath.Join(filepath.Dir(path), "route-"+o.Name), Content: r, Mode: 0o644, Device: o.Name, Flavour: FlavourIfcfg})
		}
	}
	return out, nil
}

func ifcfgFields(w *world, o *Owned, f map[string]string) {
	f["DEVICE"], f["ONBOOT"], f["TYPE"] = o.Name, "yes", ifcfgTypes[o.Kind]
	f["BOOTPROTO"] = "none"
	f["NM_CONTROLLED"] = "no"
	if strings.HasPrefix(o.Manager, "NetworkManager") {
		f["NM_CONTROLLED"] = "yes"
	}
	if o.MTU != 0 {
		f["MTU"] = fmt.Sprint(o.MTU)
	}
	switch o.Kind {
	case KindBridge:
		f["STP"] = map[bool]string{true: "on", false: "off"}[o.Bridge.STP]
		f["DELAY"] = fmt.Sprint(o.Bridge.ForwardDelay)
		f["MACADDR"] = o.MAC
	case KindBond:
		f["BONDING_MASTER"] = "yes"
		opts := []string{"mode=" + o.Bond.Mode}
		for _, kv := range bondKV(o.Bond) {
			opts = append(opts, kv[0]+"="+kv[1])
		}
		f["BONDING_OPTS"] = strings.Join(opts, " ")
		f["MACADDR"] = o.MAC
	case KindVLAN:
		delete(f, "TYPE")
		f["VLAN"], f["PHYSDEV"], f["VLAN_ID"] = "yes", o.VLAN.Parent, fmt.Sprint(o.VLAN.ID)
	}
	if o.Port() {
		if o.MasterKind == KindBond {
			f["MASTER"], f["SLAVE"] = o.Master, "yes"
		} else {
			f["BRIDGE"] = o.Master
		}
		return
	}
	if o.DHCP4 {
		f["BOOTPROTO"] = "dhcp"
	}
	v4, v6 := splitV4(o.Addrs)
	for i, a := range v4 {
		ip, n, _ := net.ParseCIDR(a)
		ones, _ := n.Mask.Size()
		sfx := ""
		if i > 0 {
			sfx = fmt.Sprint(i)
		}
		f["IPADDR"+sfx], f["PREFIX"+sfx] = ip.String(), fmt.Sprint(ones)
	}
	if o.Gateway4 != "" {
		f["GATEWAY"] = o.Gateway4
	}
	if len(v6) > 0 || o.IPv6Auto {
		f["IPV6INIT"] = "yes"
		if o.IPv6Auto {
			f["IPV6_AUTOCONF"] = "yes"
		}
		if len(v6) > 0 {
			f["IPV6ADDR"] = v6[0]
			if len(v6) > 1 {
				f["IPV6ADDR_SECONDARIES"] = strings.Join(v6[1:], " ")
			}
		}
		if o.Gateway6 != "" {
			f["IPV6_DEFAULTGW"] = o.Gateway6
		}
	}
}

// ifcfgRoutes is route-NAME in `ip route` form.
func ifcfgRoutes(o *Owned) string {
	var b strings.Builder
	for _, r := range o.Routes {
		if isV4(r.Dst) {
			b.WriteString(ifupRoute(r, o.Name) + "\n")
		}
	}
	return b.String()
}

// parseEnv reads KEY=VALUE lines, in order.
func parseEnv(s string) (map[string]string, []string) {
	kv := map[string]string{}
	var order []string
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(t, "="); ok {
			kv[k] = strings.Trim(v, `"'`)
			order = append(order, k)
		}
	}
	return kv, order
}

// renderEnv writes the usual keys in the usual order, then the file's
// other keys in their order, then the rest sorted.
func renderEnv(kv map[string]string, order []string) string {
	var b strings.Builder
	seen := map[string]bool{}
	add := func(k string) {
		if v, ok := kv[k]; ok && !seen[k] {
			b.WriteString(k + "=" + quoteEnv(v) + "\n")
			seen[k] = true
		}
	}
	for _, k := range ifcfgOrder {
		add(k)
	}
	for _, k := range order {
		add(k)
	}
	var rest []string
	for k := range kv {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		add(k)
	}
	return b.String()
}

func quoteEnv(v string) string {
	if strings.ContainsAny(v, " \t\"'$`\\") {
		return `"` + strings.NewReplacer(`"`, `\"`, `$`, `\$`, "`", "\\`", `\`, `\\`).Replace(v) + `"`
	}
	return v
}
