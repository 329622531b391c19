// Package nat installs the firewall rules a NAT network needs — what
// libvirt installs for its `default` network (masquerade, forward accepts,
// port forwards) — with iptables, every step one `iptables-restore
// --noflush` batch with an exact undo. rewire's rules live in its own
// chains (REWIRE-POSTROUTING, REWIRE-PREROUTING, REWIRE-FORWARD,
// REWIRE-INPUT), jumped to from the built-in ones and tagged with a
// comment `rewire:<tag>`; libvirt's and Docker's chains are never touched.
package nat

import (
	"fmt"
	"strings"
)

// Family is the IP version a rule is for: "ipv4" (iptables) or "ipv6" (ip6tables).
type Family string

const (
	IPv4 Family = "ipv4"
	IPv6 Family = "ipv6"
)

func (f Family) save() string {
	if f == IPv6 {
		return "ip6tables-save"
	}
	return "iptables-save"
}

func (f Family) restore() string {
	if f == IPv6 {
		return "ip6tables-restore"
	}
	return "iptables-restore"
}

func (f Family) rejectWith() string {
	if f == IPv6 {
		return "icmp6-port-unreachable"
	}
	return "icmp-port-unreachable"
}

// rewire's chains, each jumped to from the first position of a built-in one.
var chains = []struct{ Table, Chain, From string }{
	{"nat", "REWIRE-PREROUTING", "PREROUTING"},
	{"nat", "REWIRE-POSTROUTING", "POSTROUTING"},
	{"filter", "REWIRE-INPUT", "INPUT"},
	{"filter", "REWIRE-FORWARD", "FORWARD"},
}

// builtinOf returns the built-in chain that jumps to one of rewire's chains.
func builtinOf(table, chain string) string {
	for _, c := range chains {
		if c.Table == table && c.Chain == chain {
			return c.From
		}
	}
	return ""
}

// Rule is one rule in iptables-save's own spelling, so that it can be
// found again verbatim in `iptables-save` output.
type Rule struct {
	Family Family `json:"family"`
	Table  string `json:"table"`
	Chain  string `json:"chain"`
	Spec   string `json:"spec"`            // everything after `-A CHAIN `
	First  bool   `json:"first,omitempty"` // inserted at the top of the chain, not appended
	Pos    int    `json:"pos,omitempty"`   // 1-based position, for re-inserting a removed rule
}

// Line is the rule as iptables-save prints it.
func (r Rule) Line() string { return "-A " + r.Chain + " " + r.Spec }

func (r Rule) String() string { return fmt.Sprintf("%s %s %s", r.Family, r.Table, r.Line()) }

// Tag returns the rule's rewire tag ("" when it is not rewire's).
func (r Rule) Tag() string { return tagOf(r.Spec) }

const commentPrefix = `-m comment --comment "rewire:`

func tagOf(spec string) string {
	i := strings.Index(spec, commentPrefix)
	if i < 0 {
		return ""
	}
	rest := spec[i+len(commentPrefix):]
	if j := strings.IndexByte(rest, '"'); j >= 0 {
		return rest[:j]
	}
	return ""
}

func comment(tag string) string { return commentPrefix + tag + `"` }
