package nat

import (
	"fmt"

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
	return finish(s, f, fmt.Sprintf("forward %s on %s", sub, bridge), tag, true, forwardRules(f, bridge, sub, tag))
}

// AddPortForward is `iptables -t nat -A PREROUTING [-i IN] -p PROTO --dport
// PORT -j DNAT --to-destination TO` plus `iptables -I FORWARD -d ADDR -p
// PROTO --dport TOPORT -j ACCEPT`, so the new connection reaches the guest.
func AddPortForward(s *tx.Session, pf PortForward) (Result, error) {
	if err := checkProto(pf.Proto); err != nil {
		return Result{}, err
	}
	ports, err := parsePorts(pf.Port)
	if err != nil {
		return Result{}, err
	}
	ip, f, to, err := destination(pf.To)
	if err != nil {
		return Result{}, err
	}
	if to != nil && !to.single() && to.Hi-to.Lo != ports.Hi-ports.Lo {
		return Result{}, invalid("port range %s and destination range %s differ in size", ports.nat(), to.nat())
	}
	if pf.In != "" {
		if err := checkIface(s.Target, pf.In); err != nil {
			return Result{}, err
		}
	}
	tag, err := tagFor(s, pf.Tag)
	if err != nil {
		return Result{}, err
	}
	desc := fmt.Sprintf("port forward %s %s -> %s", pf.Proto, ports.nat(), pf.To)
	if pf.In != "" {
		desc += " in " + pf.In
	}
	return finish(s, f, desc, tag, false, portForwardRules(f, pf, ports, ip, to, tag))
}

func finish(s *tx.Session, f Family, desc, tag string, bridged bool, rules []Rule) (Result, error) {
	n, err := addRules(s, f, desc, rules)
	if err != nil {
		return Result{}, err
	}
	return Result{Tag: tag, Added: n, Warnings: Warnings(s.Target, f, bridged)}, nil
}
