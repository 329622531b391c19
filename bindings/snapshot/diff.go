package snapshot

import (
	"fmt"
	"sort"
	"strings"
)

// Diff says what changed from a to b, one line per change:
// "+ THING" (in b only), "- THING" (in a only), "~ THING: FIELD A -> B".
// Links, addresses, networks, guests and leases are matched by name,
// CIDR or MAC; routes and rules by all their fields; the firewall and
// XML line by line. What changes by itself is not a change: ifindexes,
// address lifetimes, lease expiry, when and where it was taken.
func Diff(a, b *Snapshot) []string {
	var out []string
	add := func(f string, x ...any) { out = append(out, fmt.Sprintf(f, x...)) }
	diffLinks(a, b, add)
	diffSets("route", routeKeys(a.Routes), routeKeys(b.Routes), add)
	diffSets("rule", ruleKeys(a.Rules), ruleKeys(b.Rules), add)
	for _, k := range unionKeys(a.Sysctls, b.Sysctls) {
		va, ina := a.Sysctls[k]
		vb, inb := b.Sysctls[k]
		switch {
		case !ina:
			add("+ sysctl %s = %s", k, vb)
		case !inb:
			add("- sysctl %s = %s", k, va)
		case va != vb:
			add("~ sysctl %s: %s -> %s", k, va, vb)
		}
	}
	diffLines("iptables", a.Firewall.IPTables, b.Firewall.IPTables, add)
	diffLines("ip6tables", a.Firewall.IP6Tables, b.Firewall.IP6Tables, add)
	diffLines("nft", a.Firewall.NFT, b.Firewall.NFT, add)
	diffManagers(a, b, add)
	diffNetworks(a, b, add)
	diffDomains(a, b, add)
	diffSets("lease", leaseKeys(a.Leases), leaseKeys(b.Leases), add)
	return out
}

type adder func(string, ...any)

func diffLinks(a, b *Snapshot, add adder) {
	la, lb := map[string]Link{}, map[string]Link{}
	for _, l := range a.Links {
		la[l.Name] = l
	}
	for _, l := range b.Links {
		lb[l.Name] = l
	}
	for _, l := range a.Links {
		if _, ok := lb[l.Name]; !ok {
			add("- link %s (%s)", l.Name, l.Kind)
		}
	}
	for _, y := range b.Links {
		x, ok := la[y.Name]
		if !ok {
			add("+ link %s (%s%s)", y.Name, y.Kind, ifSet(", master ", y.Master))
			for _, ad := range y.Addresses {
				add("+ address %s %s (%s)", y.Name, ad.CIDR, ad.Origin)
			}
			continue
		}
		field := func(name string, va, vb any) {
			if fmt.Sprint(va) != fmt.Sprint(vb) {
				add("~ link %s: %s %v -> %v", y.Name, name, orNone(va), orNone(vb))
			}
		}
		field("kind", x.Kind, y.Kind)
		field("mac", x.MAC, y.MAC)
		field("mtu", x.MTU, y.MTU)
		field("up", x.Up, y.Up)
		field("master", x.Master, y.Master)
		field("manager", x.Manager, y.Manager)
		field("profile", x.Profile, y.Profile)
		field("bridge", deref(x.Bridge), deref(y.Bridge))
		field("bond", deref(x.Bond), deref(y.Bond))
		field("vlan", deref(x.VLAN), deref(y.VLAN))
		aa, ab := map[string]Address{}, map[string]Address{}
		for _, ad := range x.Addresses {
			aa[ad.CIDR] = ad
		}
		for _, ad := range y.Addresses {
			ab[ad.CIDR] = ad
		}
		for _, ad := range x.Addresses {
			if _, ok := ab[ad.CIDR]; !ok {
				add("- address %s %s (%s)", y.Name, ad.CIDR, ad.Origin)
			}
		}
		for _, ad := range y.Addresses {
			old, ok := aa[ad.CIDR]
			switch {
			case !ok:
				add("+ address %s %s (%s)", y.Name, ad.CIDR, ad.Origin)
			case old.Origin != ad.Origin:
				add("~ address %s %s: origin %s -> %s", y.Name, ad.CIDR, old.Origin, ad.Origin)
			}
		}
	}
}

func diffManagers(a, b *Snapshot, add adder) {
	ma := map[string]Manager{}
	for _, m := range a.Managers {
		ma[m.Name] = m
	}
	for _, m := range b.Managers {
		if o, ok := ma[m.Name]; ok && o.Running != m.Running {
			add("~ manager %s: running %v -> %v", m.Name, o.Running, m.Running)
		}
	}
}

func diffNetworks(a, b *Snapshot, add adder) {
	na := map[string]Network{}
	for _, n := range a.Networks {
		na[n.Name] = n
	}
	nb := map[string]bool{}
	for _, n := range b.Networks {
		nb[n.Name] = true
		o, ok := na[n.Name]
		if !ok {
			add("+ network %s", n.Name)
			continue
		}
		if o.Active != n.Active {
			add("~ network %s: active %v -> %v", n.Name, o.Active, n.Active)
		}
		if o.Autostart != n.Autostart {
			add("~ network %s: autostart %v -> %v", n.Name, o.Autostart, n.Autostart)
		}
		diffLines("network "+n.Name+" xml", o.XML, n.XML, add)
	}
	for _, n := range a.Networks {
		if !nb[n.Name] {
			add("- network %s", n.Name)
		}
	}
}

func diffDomains(a, b *Snapshot, add adder) {
	da := map[string]Domain{}
	for _, d := range a.Domains {
		da[d.Name] = d
	}
	db := map[string]bool{}
	for _, d := range b.Domains {
		db[d.Name] = true
		o, ok := da[d.Name]
		if !ok {
			add("+ domain %s (%s)", d.Name, d.State)
			continue
		}
		if o.State != d.State {
			add("~ domain %s: state %s -> %s", d.Name, o.State, d.State)
		}
		if o.Autostart != d.Autostart {
			add("~ domain %s: autostart %v -> %v", d.Name, o.Autostart, d.Autostart)
		}
		diffLines("domain "+d.Name+" xml", o.XML, d.XML, add)
	}
	for _, d := range a.Domains {
		if !db[d.Name] {
			add("- domain %s", d.Name)
		}
	}
}

// diffSets reports keys of one side only, in the order of each side.
func diffSets(what string, a, b []string, add adder) {
	inA, inB := map[string]bool{}, map[string]bool{}
	for _, k := range a {
		inA[k] = true
	}
	for _, k := range b {
		inB[k] = true
	}
	for _, k := range a {
		if !inB[k] {
			add("- %s %s", what, k)
		}
	}
	for _, k := range b {
		if !inA[k] {
			add("+ %s %s", what, k)
		}
	}
}

// diffLines is diffSets over the non-empty, trimmed lines of two texts.
func diffLines(what, a, b string, add adder) {
	diffSets(what, lines(a), lines(b), add)
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// RouteString is a route as `ip route` prints it, with its table and family.
func RouteString(r Route) string {
	s := r.Dst
	if r.Type != "unicast" {
		s = r.Type + " " + s
	}
	if r.Gateway != "" {
		s += " via " + r.Gateway
	}
	if r.Dev != "" {
		s += " dev " + r.Dev
	}
	s += " proto " + r.Protocol
	if r.Scope != "universe" {
		s += " scope " + r.Scope
	}
	if r.Src != "" {
		s += " src " + r.Src
	}
	if r.Metric != 0 {
		s += fmt.Sprintf(" metric %d", r.Metric)
	}
	if r.Table != "main" {
		s += " table " + r.Table
	}
	if r.Family == "inet6" {
		s = "-6 " + s
	}
	return s
}

func routeKeys(rs []Route) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = RouteString(r)
	}
	return out
}

// RuleString is a rule as `ip rule` prints it.
func RuleString(r Rule) string {
	s := fmt.Sprintf("%d:", r.Priority)
	if r.Family == "inet6" {
		s = "-6 " + s
	}
	if r.From == "" {
		s += " from all"
	} else {
		s += " from " + r.From
	}
	for _, kv := range [][2]string{{"to", r.To}, {"iif", r.IIf}, {"oif", r.OIf}, {"fwmark", r.FwMark}} {
		if kv[1] != "" {
			s += " " + kv[0] + " " + kv[1]
		}
	}
	return s + " lookup " + r.Table
}

func ruleKeys(rs []Rule) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = RuleString(r)
	}
	return out
}

func leaseKeys(ls []Lease) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = fmt.Sprintf("%s %s %s %s", l.Network, l.MAC, l.IP, l.Hostname)
	}
	return out
}

func unionKeys(a, b map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]string{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

func ifSet(prefix, v string) string {
	if v == "" {
		return ""
	}
	return prefix + v
}

func orNone(v any) any {
	if s, ok := v.(string); ok && s == "" {
		return "none"
	}
	return v
}

func deref[T any](p *T) any {
	if p == nil {
		return "none"
	}
	return fmt.Sprintf("%+v", *p)
}
