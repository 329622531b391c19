package main

import (
	"fmt"

	"github.com/vishvananda/netlink"

	"rewire/bindings/target/nstest"
)

// warmBonding makes, in a namespace of its own, a bond and enslaves a
// veth end to it once, so the kernel's one-time work for a first bond
// and a first slave since boot happens before the first rep, not inside
// it.
func warmBonding(tb *programTB) error {
	a, b := nstest.New(tb), nstest.New(tb)
	nstest.Veth(tb, a, "warm0", b, "warm1")
	h, err := a.Handle()
	if err != nil {
		return err
	}
	bond := netlink.NewLinkBond(netlink.LinkAttrs{Name: "warmbond"})
	bond.Mode = netlink.BOND_MODE_ACTIVE_BACKUP
	bond.Miimon = 100
	if err := h.LinkAdd(bond); err != nil {
		return fmt.Errorf("warm-up bond: %w", err)
	}
	slave, err := h.LinkByName("warm0")
	if err != nil {
		return err
	}
	if err := h.LinkSetMasterByIndex(slave, bond.Attrs().Index); err != nil {
		return fmt.Errorf("warm-up enslave: %w", err)
	}
	for _, l := range []netlink.Link{slave, bond} {
		if err := h.LinkSetUp(l); err != nil {
			return err
		}
	}
	return h.LinkDel(bond)
}
