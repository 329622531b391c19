package plan

import (
	"fmt"

	"github.com/vishvananda/netlink"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/bindings/virtnet"
)

// startedNetwork does in the replica what libvirtd does in the host's
// namespace when the plan starts a network on its test-driver copy: the
// network's bridge appears, up, with the network's addresses; a network
// destroyed takes its bridge with it. Later steps of the recipe (a port
// added to that bridge, a guest NIC pointed at it) then plan as they run.
// libvirt's own firewall rules and dnsmasq for the network are not
// mimicked: they are libvirt's, not the recipe's, changes.
func startedNetwork(rep *target.Target, step *tx.Step) error {
	name, wasActive, ok := virtnet.Started(step)
	if !ok || step.Simulated {
		return nil
	}
	in, err := virtnet.Get(rep, name)
	if err != nil || in.Bridge == "" {
		return err
	}
	h, err := rep.Handle()
	if err != nil {
		return err
	}
	if wasActive { // destroyed
		if l, err := h.LinkByName(in.Bridge); err == nil {
			return h.LinkDel(l)
		}
		return nil
	}
	if _, err := h.LinkByName(in.Bridge); err == nil {
		return nil // there already (a bridge the recipe made)
	}
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: in.Bridge}}
	if err := h.LinkAdd(br); err != nil {
		return fmt.Errorf("bridge %s of network %s: %w", in.Bridge, name, err)
	}
	for _, ip := range in.IPs {
		a, err := netlink.ParseAddr(fmt.Sprintf("%s/%d", ip.Address, ip.Prefix))
		if err != nil {
			continue
		}
		if err := h.AddrAdd(br, a); err != nil {
			return fmt.Errorf("bridge %s of network %s: %w", in.Bridge, name, err)
		}
	}
	return h.LinkSetUp(br)
}
