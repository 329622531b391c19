package nat

import (
	"fmt"
	"net"
	"strings"
)

// join spells a rule's matches in iptables-save's order.
func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

func opt(flag, v string) string {
	if v == "" {
		return ""
	}
	return flag + " " + v
}

// masqueradeRules is libvirt's POSTROUTING set for a NAT subnet: leave
// multicast and broadcast alone, masquerade the rest leaving the subnet.
func masqueradeRules(f Family, sub, out, tag string) []Rule {
	r := func(spec string) Rule {
		return Rule{Family: f, Table: "nat", Chain: "REWIRE-POSTROUTING", Spec: spec}
	}
	var rules []Rule
	if f == IPv4 {
		rules = append(rules,
			r(join("-s", sub, "-d 224.0.0.0/24", opt("-o", out), comment(tag), "-j RETURN")),
			r(join("-s", sub, "-d 255.255.255.255/32", opt("-o", out), comment(tag), "-j RETURN")))
	}
	return append(rules, r(join("-s", sub, "!", "-d", sub, opt("-o", out), comment(tag), "-j MASQUERADE")))
}

// forwardRules is libvirt's FORWARD and INPUT set for a NAT bridge: replies
// in, the subnet out, bridge to bridge, reject the rest; DHCP and DNS from
// the bridge to the host.
func forwardRules(f Family, bridge, sub, tag string) []Rule {
	fw := func(spec string) Rule { return Rule{Family: f, Table: "filter", Chain: "REWIRE-FORWARD", Spec: spec} }
	in := func(proto, port string) Rule {
		return Rule{Family: f, Table: "filter", Chain: "REWIRE-INPUT",
			Spec: join("-i", bridge, "-p", proto, "-m", proto, "--dport", port, comment(tag), "-j ACCEPT")}
	}
	dhcp := "67"
	if f == IPv6 {
		dhcp = "547"
	}
	return []Rule{
		in("udp", dhcp), in("udp", "53"), in("tcp", "53"),
		fw(join("-d", sub, "-o", bridge, "-m conntrack --ctstate RELATED,ESTABLISHED", comment(tag), "-j ACCEPT")),
		fw(join("-s", sub, "-i", bridge, comment(tag), "-j ACCEPT")),
		fw(join("-i", bridge, "-o", bridge, comment(tag), "-j ACCEPT")),
		fw(join("-o", bridge, comment(tag), "-j REJECT --reject-with", f.rejectWith())),
		fw(join("-i", bridge, comment(tag), "-j REJECT --reject-with", f.rejectWith())),
	}
}

// PortForward is a DNAT from a host port to a guest, like
// `iptables -t nat -A PREROUTING -p tcp --dport 2222 -j DNAT --to-destination 192.168.122.10:22`
// plus the FORWARD accept that lets the new connection through.
type PortForward struct {
	Proto string `json:"proto"`        // tcp or udp
	Port  string `json:"port"`         // host port or range: "2222", "2000-2010"
	To    string `json:"to"`           // "192.168.122.10:22", "[fd00::10]:22", or an address (same port)
	In    string `json:"in,omitempty"` // only for packets arriving on this interface
	Tag   string `json:"tag,omitempty"`
}

func portForwardRules(f Family, pf PortForward, ports portRange, ip net.IP, to *portRange, tag string) []Rule {
	dest, accept := ip.String(), ports
	if to != nil {
		dest, accept = ip.String()+":"+to.nat(), *to
		if f == IPv6 {
			dest = "[" + ip.String() + "]:" + to.nat()
		}
	}
	bits := 32
	if f == IPv6 {
		bits = 128
	}
	p := pf.Proto
	return []Rule{
		{Family: f, Table: "nat", Chain: "REWIRE-PREROUTING",
			Spec: join(opt("-i", pf.In), "-p", p, "-m", p, "--dport", ports.match(), comment(tag), "-j DNAT --to-destination", dest)},
		{Family: f, Table: "filter", Chain: "REWIRE-FORWARD", First: true,
			Spec: join(fmt.Sprintf("-d %s/%d", ip, bits), "-p", p, "-m", p, "--dport", accept.match(), comment(tag), "-j ACCEPT")},
	}
}
