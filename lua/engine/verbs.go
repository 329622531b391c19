package engine

import (
	"fmt"
	"strings"
)

// Verb is one word a function name may start with, and what it is for.
type Verb struct {
	Name, Use string
}

// Verbs is the one verb list of the Lua API. A module function is named
// VERB or VERB_NOUN (add_port, set_interface, rollback_to): the verb says
// what it does, the noun what to. The seven general verbs come first; the
// others are the few a domain needs, named as the tool admins know names
// them (ip, virsh, iptables, dnsmasq). An object's method that reads one
// of its properties, taking no argument it needs, may be named by the
// property instead (dom:xml(), dom:state()). Lua's own print and require
// keep their names. A name that broke the rule stays as an alias
// (Func.Aliases) of its rule-conforming replacement.
var Verbs = []Verb{
	{"create", "make an object rewire can delete again (bridge, bond, VLAN)"},
	{"delete", "remove such an object"},
	{"add", "put an item into a set (address, route, port, slave, DHCP host)"},
	{"remove", "take an item out of a set"},
	{"set", "change attributes"},
	{"get", "read one thing"},
	{"list", "read every thing of a kind"},
	{"move", "hand addresses and routes from one interface to another (addr)"},
	{"flush", "remove every item of a set at once (ip addr flush)"},
	{"replace", "add or change in one step (ip route replace)"},
	{"define", "libvirt: define a persistent object (virsh define)"},
	{"undefine", "libvirt: remove its definition"},
	{"start", "libvirt: start a guest or network"},
	{"shutdown", "libvirt: ask a guest to power off"},
	{"destroy", "libvirt: stop a guest or network at once"},
	{"attach", "hot-plug a device into a guest"},
	{"detach", "unplug it"},
	{"masquerade", "NAT: masquerade a subnet (iptables -j MASQUERADE)"},
	{"forward", "NAT: forward traffic (FORWARD rules, DNAT of a port)"},
	{"serve", "run a service for a bridge (dnsmasq DHCP)"},
	{"reserve", "reserve a DHCP address"},
	{"unreserve", "drop a reservation"},
	{"status", "read how a running thing fares (bond, dnsmasq)"},
	{"check", "answer whether something is well: true, or false and why"},
	{"exists", "answer whether something is there"},
	{"ping", "probe: ICMP echo"},
	{"tcp", "probe: open a TCP connection"},
	{"arp", "probe: ARP request"},
	{"read", "read a file"},
	{"write", "write a file"},
	{"run", "run a program"},
	{"savepoint", "transaction: mark a point to return to"},
	{"commit", "transaction: keep the changes"},
	{"rollback", "transaction: undo changes"},
	{"save", "persist: write the live state into the host's own configuration"},
}

// luaOwn are the names of Lua's own globals rewire keeps: not its verbs.
var luaOwn = map[string]bool{"print": true, "require": true}

// CheckName reports whether a module function's name follows the verb
// rule: VERB or VERB_NOUN, VERB from Verbs.
func CheckName(name string) error {
	if luaOwn[name] {
		return nil
	}
	verb, _, _ := strings.Cut(name, "_")
	for _, v := range Verbs {
		if v.Name == verb {
			return nil
		}
	}
	return fmt.Errorf("%s: not VERB or VERB_NOUN with a verb of engine.Verbs", name)
}

// CheckMethodName is CheckName for an object's method, which may also be
// an accessor named by the property it reads: it returns something and
// every parameter it takes is optional.
func CheckMethodName(f Func) error {
	err := CheckName(f.Name)
	if err == nil || len(f.Returns) == 0 {
		return err
	}
	for _, p := range f.Params {
		if !p.Optional {
			return err
		}
	}
	return nil
}

// VerbsMarkdown is the README's paragraph on the verb rule, written by
// `rewire doc --markdown` from Verbs.
func VerbsMarkdown() string {
	var names []string
	for _, v := range Verbs {
		names = append(names, "`"+v.Name+"`")
	}
	return wrap("Every function is named VERB or VERB_NOUN (`add_port`, `set_interface`), the verb one of "+
		strings.Join(names[:7], ", ")+" — and the few a domain needs, as its tools name them: "+
		strings.Join(names[7:], ", ")+". An object's method may be named by the property it reads "+
		"(`dom:xml()`). Older names that broke the rule are kept as aliases.", 84)
}

// wrap breaks text into lines of at most width columns, at spaces.
func wrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(text) {
		if n > 0 && n+1+len(w) > width {
			b.WriteByte('\n')
			n = 0
		} else if n > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String() + "\n"
}
