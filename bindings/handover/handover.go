// Package handover takes a device over from the network manager that owns
// it before rewire changes it, in that manager's own terms, as a journaled
// change with an exact undo — so the manager does not fight the change
// while the transaction runs nor after it (issue 14):
//
//   - NetworkManager: runtime unmanaged over D-Bus (`nmcli device set eth0
//     managed no`); undo: managed again and the profile that was active
//     re-activated (`nmcli connection up UUID`);
//   - systemd-networkd: a runtime .network making the link unmanaged
//     (/run/systemd/network/00-rewire-eth0.network, `[Link] Unmanaged=yes`)
//     and `networkctl reload`; the addresses and routes networkd drops on
//     letting go are put back as they were (lifetimes included); undo
//     removes the file and reloads, and networkd re-applies its own;
//   - ifupdown: the interface leaves /run/network/ifstate, so `ifdown -a`
//     and `ifup -a` pass it by (`ifquery --state` no longer lists it),
//     and the dhclient ifup started for it stops without a release; undo
//     starts that dhclient again with its very command line and puts the
//     line back.
//
// Claim is called by the mutating primitives (link.set master, addr.add,
// addr.del, addr.move, bridge.add_port through link.set); MoveLease moves a
// DHCP client from a NIC to the bridge that takes its addresses
// (NetworkManager: in-memory profiles for the bridge and the NIC as its
// port; networkd: the NIC's .network matched to the bridge, at runtime;
// ifupdown: its dhclient's command line for the bridge, the lease file
// carried over).
package handover

import (
	"fmt"
	"sync"

	"rewire/bindings/errkind"
	"rewire/bindings/host"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

// Disable turns the hand-over off for the target until restore is
// called: the primitives then change a managed device behind its
// manager's back, as plain `ip` would (the foreign-fight regression tests
// show what the managers do then).
func Disable(tg *target.Target) (restore func()) {
	disabled.Store(tg, true)
	return func() { disabled.Delete(tg) }
}

var disabled sync.Map // *target.Target → true

func off(tg *target.Target) bool {
	_, ok := disabled.Load(tg)
	return ok
}

// Claimed is a claim's journal record: what undo needs to give the device
// back, from the journal alone (possibly in another process).
type Claimed struct {
	Dev     string     `json:"dev"`
	Manager string     `json:"manager"`
	Roots   host.Roots `json:"roots"`
	// NetworkManager: the profile active on the device ("" for none).
	UUID    string `json:"uuid,omitempty"`
	Profile string `json:"profile,omitempty"`
	// File is the manager's profile of the device (NM keyfile, networkd's
	// .network), as the manager names it.
	File string `json:"file,omitempty"`
	// Frontend and Source are netplan's when its YAML fed the manager
	// (host.Device's): persist writes the YAML, not the manager's file.
	Frontend string `json:"frontend,omitempty"`
	Source   string `json:"source,omitempty"`
	// networkd: the runtime .network written, and the device's
	// configuration networkd drops on letting go, put back at once.
	DropIn string `json:"drop_in,omitempty"`
	Config Config `json:"config,omitempty"`
	// ifupdown: the ifstate line taken out ("eth0=eth0"), and the
	// dhclients it ran for the device's leases (-4, -6: stopped; started
	// again on give-back), the device's configuration put back when they
	// stopped.
	Ifstate   string     `json:"ifstate,omitempty"`
	Dhclients []Dhclient `json:"dhclients,omitempty"`
	// DHCPv6 is the identity of the device's DHCPv6 client (when it held
	// a DHCPv6 lease), for the bridge's client to lease the same address.
	DHCPv6 *DHCPv6ID `json:"dhcpv6,omitempty"`
	// Addresses are the device's addresses as detection saw them before
	// the claim: addr.move reads their origin (a lease moves with its
	// client).
	Addresses []host.Address `json:"addresses,omitempty"`
}

var claimKind = tx.NewKind("handover.claim", giveBack, tx.KindOptions[Claimed]{})

// Claim takes dev over from its manager (see the package doc), once per
// transaction: a device no manager owns, or one already claimed, is left
// as it is. A manager that runs but cannot be asked is a system error
// naming it and the device, and nothing changes.
func Claim(s *tx.Session, dev string) error {
	if off(s.Target) {
		return nil
	}
	if _, ok := Of(s, dev); ok {
		return nil
	}
	r := host.RootsFor(s.Target)
	d, err := host.DeviceOf(s.Target, r, dev)
	if err != nil {
		if errkind.Of(err) == errkind.KindNotFound {
			return nil // the primitive names a missing device itself
		}
		return err
	}
	c := Claimed{Dev: dev, Manager: d.Manager, Roots: r, UUID: d.UUID, Profile: d.Profile, File: d.File, Frontend: d.Frontend, Source: d.Source, Addresses: d.Addresses}
	switch d.Manager {
	case host.NetworkManager:
		return claimNM(s, c)
	case host.Networkd:
		return claimNetworkd(s, c)
	case host.Ifupdown:
		return claimIfupdown(s, c)
	}
	return nil
}

// ClaimIn returns the claim of dev among a transaction's steps, if one
// is there and not undone: who owned dev before rewire took it over,
// once detection sees only rewire's claim.
func ClaimIn(steps []*tx.Step, dev string) (Claimed, bool) {
	for i := len(steps) - 1; i >= 0; i-- {
		if c, ok := claimKind.Decode(steps[i]); ok && c.Dev == dev && !steps[i].Undone {
			return c, true
		}
	}
	return Claimed{}, false
}

// Of returns the claim of dev made in s's open transaction, if any.
func Of(s *tx.Session, dev string) (Claimed, bool) {
	t := s.Current()
	if t == nil {
		return Claimed{}, false
	}
	return ClaimIn(t.Steps(), dev)
}

// Holder is dev's claim in s's open transaction or, for a device no
// manager owns (nothing to claim), what detection says of it: the
// addresses whose origin tells whether a lease must move with its client.
func Holder(s *tx.Session, dev string) (Claimed, error) {
	if c, ok := Of(s, dev); ok || off(s.Target) {
		return c, nil
	}
	r := host.RootsFor(s.Target)
	d, err := host.DeviceOf(s.Target, r, dev)
	if err != nil {
		return Claimed{}, err
	}
	return Claimed{Dev: dev, Manager: d.Manager, Roots: r, Addresses: d.Addresses}, nil
}

// giveBack is a claim's undo: the device back to its manager.
func giveBack(tg *target.Target, c Claimed) error {
	switch c.Manager {
	case host.NetworkManager:
		return nmGiveBack(tg, c)
	case host.Networkd:
		return networkdGiveBack(c)
	case host.Ifupdown:
		return ifupdownGiveBack(tg, c)
	}
	return nil
}

// unreachable is the one-line error for a manager that runs but cannot be
// told to let go of dev.
func unreachable(manager, dev string, err error) error {
	return errkind.System("%s runs but its D-Bus is unreachable: cannot take %s over from it (%v)", manager, dev, err)
}

func desc(format string, a ...any) string { return fmt.Sprintf(format, a...) }
