package nat

import (
	"fmt"

	"rewire/bindings/firewalld"
	"rewire/bindings/tx"
)

// Masquerade is what libvirt installs for a NAT network:
// `iptables -t nat -A POSTROUTING -s SUBNET ! -d SUBNET [-o OUT] -j MASQUERADE`
// (after RETURN rules for multicast and broadcast), in REWIRE-POSTROUTING.
func Masquerade(s *tx.Session, cidr, out, tag string) (Result, error) {
	sub, f, err := subnet(cidr)
	if err != nil {
		return Result{}, err
	}
	if out != "" {
		if err := checkIface(s.Target, out); err != nil {
			return Result{}, err
		}
	}
	if tag, err = tagFor(s, tag); err != nil {
		return Result{}, err
	}
	desc := "masquerade " + sub
	if out != "" {
		desc += " out " + out
	}
	return finish(s, f, desc, tag, false, masqueradeRules(f, sub, out, tag))
}

// Forward is the FORWARD and INPUT set libvirt installs for a NAT bridge
// (`iptables -A FORWARD -d SUBNET -o BR -m conntrack --ctstate
// RELATED,ESTABLISHED -j ACCEPT`, `-s SUBNET -i BR -j ACCEPT`, `-i BR -o BR
// -j ACCEPT`, REJECT the rest in and out of BR; DHCP and DNS to the host).
// Where firewalld runs, BR also goes into a zone that admits DHCP and DNS
// (bindings/firewalld), as libvirt puts its bridges in its libvirt zone.
func Forward(s *tx.Session, bridge, cidr, tag string) (Result, error) {
	sub, f, err := subnet(cidr)
	if err != nil {
		return Result{}, err
	}
	if err := checkIface(s.Target, bridge); err != nil {
		return Result{}, err
	}
	if tag, err = tagFor(s, tag); err != nil {
		return Result{}, err
	}
	// The rules let DHCP and DNS from the bridge to the host; where
	// firewalld runs, its zone must too (asked before any rule goes in).
	dhcp := firewalld.DHCP
	if f == IPv6 {
		dhcp = firewalld.DHCPv6
	}
	fw, err := firewalld.Prepare(s, bridge, dhcp, firewalld.DNS)
	if err != nil {
		return Result{}, err
	}
	res, err := finish(s, f, fmt.Sprintf("forward %s on %s", sub, bridge), tag, true, forwardRules(f, bridge, sub, tag))
	if err != nil {
		return Result{}, err
	}
	return res, fw.Apply(s)
}

// AddPortForward is `iptables -t nat -A PREROUTING [-i IN] -p PROTO --dport
// PORT -j DNAT --to-destination TO` plus `iptables -I FORWARD -d ADDR -p
// PROTO --dport TOPORT -j ACCEPT`, so the new connection reaches the guest.
func AddPortForward(s *tx.Session, pf PortForward) (Result, error) {
	f, desc, rules, err := portForward(s, pf)
	if err != nil {
		return Result{}, err
	}
	return finish(s, f, desc, rules[0].Tag(), false, rules)
}

// AddPortForwards is AddPortForward for many forwards at once, as one
// iptables-restore batch (and one journaled change) per address family:
// what `iptables-restore` of a saved list does, versus one exec per rule.
// Every forward is checked before any rule goes in; a bad one is named by
// its position and nothing changes. Result.Tags has each forward's tag.
func AddPortForwards(s *tx.Session, pfs []PortForward) (Result, error) {
	byFamily := map[Family][]Rule{}
	var order []Family
	var res Result
	for i, pf := range pfs {
		f, _, rules, err := portForward(s, pf)
		if err != nil {
			return Result{}, fmt.Errorf("port forward #%d (%s %s -> %s): %w", i+1, pf.Proto, pf.Port, pf.To, err)
		}
		if _, ok := byFamily[f]; !ok {
			order = append(order, f)
		}
		byFamily[f] = append(byFamily[f], rules...)
		res.Tags = append(res.Tags, rules[0].Tag())
	}
	for _, f := range order {
		n := len(byFamily[f]) / 2 // a DNAT and an ACCEPT each
		desc := fmt.Sprintf("%d %s port forward", n, f)
		if n > 1 {
			desc += "s"
		}
		r, err := finish(s, f, desc, "", false, byFamily[f])
		if err != nil {
			return Result{}, err
		}
		res.Added += r.Added
		res.Warnings = append(res.Warnings, r.Warnings...)
	}
	return res, nil
}

// portForward checks one forward and makes its rules.
func portForward(s *tx.Session, pf PortForward) (Family, string, []Rule, error) {
	if err := checkProto(pf.Proto); err != nil {
		return "", "", nil, err
	}
	ports, err := parsePorts(pf.Port)
	if err != nil {
		return "", "", nil, err
	}
	ip, f, to, err := destination(pf.To)
	if err != nil {
		return "", "", nil, err
	}
	if to != nil && !to.single() && to.Hi-to.Lo != ports.Hi-ports.Lo {
		return "", "", nil, invalid("port range %s and destination range %s differ in size", ports.nat(), to.nat())
	}
	if pf.In != "" {
		if err := checkIface(s.Target, pf.In); err != nil {
			return "", "", nil, err
		}
	}
	tag, err := tagFor(s, pf.Tag)
	if err != nil {
		return "", "", nil, err
	}
	desc := fmt.Sprintf("port forward %s %s -> %s", pf.Proto, ports.nat(), pf.To)
	if pf.In != "" {
		desc += " in " + pf.In
	}
	return f, desc, portForwardRules(f, pf, ports, ip, to, tag), nil
}

func finish(s *tx.Session, f Family, desc, tag string, bridged bool, rules []Rule) (Result, error) {
	n, rs, err := addRules(s, f, desc, rules)
	if err != nil {
		return Result{}, err
	}
	// Adding rules changes no policy: the ruleset read before tells.
	return Result{Tag: tag, Added: n, Warnings: warnings(s.Target, rs, f, bridged)}, nil
}
