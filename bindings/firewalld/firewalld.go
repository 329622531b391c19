// Package firewalld lets DHCP and DNS through firewalld to a bridge rewire
// serves them on (dnsmasq.serve, nat.forward), as libvirt does for its
// networks, and tells when firewalld would flush rewire's iptables rules.
//
// firewalld puts an interface bound to no zone into its default zone
// (public), which admits neither DHCP nor DNS: a dnsmasq on a new bridge
// then serves nobody. So before rewire serves on a bridge it asks firewalld
// (over its D-Bus API, runtime only, never its permanent configuration)
// which zone the bridge is in, and if that zone does not admit them
// (neither target ACCEPT nor the services), it chooses, in this order:
//
//  1. libvirt's `libvirt` zone, when firewalld has it (Debian 12's
//     libvirt-daemon-system ships it): made for VM bridges, it forwards
//     their traffic and admits DHCP, DHCPv6, DNS, SSH and TFTP to the host;
//  2. NetworkManager's `nm-shared` zone, when firewalld has it (NetworkManager
//     ships it): the same design for NM's shared-connection bridges (it
//     forwards, and admits DHCP, DNS and SSH to the host), so a host
//     without libvirt's zone gets the same behaviour (either is taken
//     only if it admits every service asked for, as this firewalld has
//     it: nm-shared has no dhcpv6);
//  3. otherwise the bridge stays in its zone (the default zone when it is
//     bound to none) and the services it needs (dhcp, and dns when DNS is
//     served) are added to that zone at runtime — the least it takes, with
//     no rule opened for anything else (firewalld offers no runtime-only
//     zone of rewire's own: new zones are permanent configuration and a
//     reload; a stock zone with target ACCEPT, trusted, would admit every
//     service of the host to the guests).
//
// Each change is one journaled step (tx), the prior state recorded before
// it is made: `firewall-cmd --zone=Z --change-interface=BR` with the zone
// the bridge had ("" for none), undone by changing it back or, for none,
// `--remove-interface`; `--add-service` undone by `--remove-service`. No
// firewalld running in the target's namespace: nothing is asked, done or
// journaled. firewalld running but its bus unreachable: a one-line error
// naming firewalld and the bridge, before anything changes.
//
// Runtime means: until firewalld restarts, the host reboots or firewalld
// reloads with FlushAllOnReload=yes (its default; with no, a reload keeps
// interfaces' zones but not added services); then the bridge is back in
// its permanent zone (none: the default zone), and undo finds nothing to
// do. NetworkManager re-binds its own devices after a reload; rewire does
// not watch for one.
// `rewire plan` lists the step, decided by asking the target's firewalld,
// and changes nothing there (AskOrigin).
package firewalld

import (
	"fmt"
	"strings"

	"rewire/bindings/errkind"
	"rewire/bindings/host"
	"rewire/bindings/tx"
)

// Zones rewire prefers for a bridge it serves on, in order.
const (
	LibvirtZone  = "libvirt"
	NMSharedZone = "nm-shared"
)

// Service names as firewalld knows them.
const (
	DHCP   = "dhcp"
	DHCPv6 = "dhcpv6"
	DNS    = "dns"
)

// Plan is what letting services through to a bridge takes: nothing (no
// firewalld, or the bridge's zone admits them already), a zone for the
// bridge, or services added to its zone.
type Plan struct {
	Bridge string
	Bus    string
	// Prior is the zone the bridge is bound to ("" for none: the
	// default zone, Effective, applies).
	Prior     string
	Effective string
	// Zone is the zone the bridge goes into ("" to stay).
	Zone string
	// Services are added to Effective ("" Zone only).
	Services []string
}

// Nothing reports whether the plan changes nothing.
func (p *Plan) Nothing() bool { return p == nil || (p.Zone == "" && len(p.Services) == 0) }

// Prepare decides what letting services (DHCP, DNS) through to bridge
// takes, asking firewalld and changing nothing; nil when firewalld does
// not run in the session's target.
func Prepare(s *tx.Session, bridge string, services ...string) (*Plan, error) {
	tg := askOf(s.Target)
	if !host.FirewalldRuns(tg) {
		return nil, nil
	}
	bus := host.RootsFor(tg).BusAddr()
	c, err := dial(bus)
	if err != nil {
		return nil, unreachable(bridge, bus, err)
	}
	failed := func(err error) error {
		return errkind.System("firewalld did not say whether %s admits DHCP/DNS (asked on %s): %s", bridge, bus, oneLine(err))
	}
	defer c.close()
	p := &Plan{Bridge: bridge, Bus: bus}
	if p.Prior, err = c.zoneOf(bridge); err != nil {
		return nil, failed(err)
	}
	made := madeIn(s, bridge)
	if made.zone != "" { // a plan's listed step: the zone it would be in
		p.Prior = made.zone
	}
	p.Effective = p.Prior
	if p.Effective == "" {
		if p.Effective, err = c.defaultZone(); err != nil {
			return nil, failed(err)
		}
	}
	missing, err := missingServices(c, p.Effective, services, made.services)
	if err != nil {
		return nil, failed(err)
	}
	if len(missing) == 0 {
		return p, nil
	}
	zones, err := c.zones()
	if err != nil {
		return nil, failed(err)
	}
	for _, z := range []string{LibvirtZone, NMSharedZone} {
		if !contains(zones, z) {
			continue
		}
		// The zone as this firewalld has it (an admin may have edited
		// it; nm-shared has no dhcpv6) must admit them all.
		left, err := missingServices(c, z, services, made.services)
		if err != nil {
			return nil, failed(err)
		}
		if len(left) == 0 {
			p.Zone = z
			return p, nil
		}
	}
	p.Services = missing
	return p, nil
}

// missingServices are the services a zone does not admit (none when its
// target is ACCEPT).
func missingServices(c *conn, zone string, services []string, added map[string]bool) ([]string, error) {
	if c.target(zone) == "ACCEPT" {
		return nil, nil
	}
	var out []string
	for _, sv := range services {
		if added[zone+"/"+sv] {
			continue
		}
		ok, err := c.hasService(zone, sv)
		if err != nil {
			return nil, err
		}
		if !ok {
			out = append(out, sv)
		}
	}
	return out, nil
}

// made is what the session's open transaction already did (or, in a
// plan, listed) for a bridge: the zone it put it in, the services it
// added ("zone/service").
type made struct {
	zone     string
	services map[string]bool
}

func madeIn(s *tx.Session, bridge string) made {
	m := made{services: map[string]bool{}}
	t := s.Current()
	if t == nil {
		return m
	}
	for _, st := range t.Steps() {
		if st.Undone {
			continue
		}
		if z, ok := zoneKind.Decode(st); ok && z.Bridge == bridge {
			m.zone = z.Zone
		}
		if v, ok := serviceKind.Decode(st); ok {
			m.services[v.Zone+"/"+v.Service] = true
		}
	}
	return m
}

// Apply makes the plan's changes, each a journaled step.
func (p *Plan) Apply(s *tx.Session) error {
	if p.Nothing() {
		return nil
	}
	// On a plan's replica the steps are listed only: the firewalld asked
	// is the real target's, which a plan never changes.
	replica := askOf(s.Target) != s.Target
	do := func(fn func(*conn) error) error {
		if replica {
			return nil
		}
		return withConn(p.Bus, p.Bridge, fn)
	}
	if p.Zone != "" {
		return zoneKind.Apply(s, "firewalld:"+p.Bridge, zoneDesc(p.Bridge, p.Zone, p.Prior),
			Zoned{Bridge: p.Bridge, Zone: p.Zone, Prior: p.Prior, Bus: p.Bus}, func() error {
				return do(func(c *conn) error { return c.changeZone(p.Zone, p.Bridge) })
			})
	}
	for _, sv := range p.Services {
		sv := sv
		err := serviceKind.Apply(s, "firewalld:"+p.Effective+"/"+sv,
			fmt.Sprintf("firewalld: add service %s to zone %s for %s (runtime)", sv, p.Effective, p.Bridge),
			Serviced{Zone: p.Effective, Service: sv, Bridge: p.Bridge, Bus: p.Bus}, func() error {
				return do(func(c *conn) error { return c.addService(p.Effective, sv) })
			})
		if err != nil {
			return err
		}
	}
	return nil
}

// Allow lets services through firewalld to bridge (Prepare, then Apply).
func Allow(s *tx.Session, bridge string, services ...string) error {
	p, err := Prepare(s, bridge, services...)
	if err != nil {
		return err
	}
	return p.Apply(s)
}

func zoneDesc(bridge, zone, prior string) string {
	from := "no zone"
	if prior != "" {
		from = "zone " + prior
	}
	return fmt.Sprintf("firewalld: move %s from %s to zone %s (runtime)", bridge, from, zone)
}

// withConn runs fn on a connection to firewalld's bus.
func withConn(bus, bridge string, fn func(*conn) error) error {
	c, err := dial(bus)
	if err != nil {
		return unreachable(bridge, bus, err)
	}
	defer c.close()
	if err := fn(c); err != nil {
		return errkind.System("firewalld: %s: %s", bridge, oneLine(err))
	}
	return nil
}

// unreachable is the one-line error for a firewalld that runs but cannot
// be asked about bridge.
func unreachable(bridge, bus string, err error) error {
	return errkind.System("firewalld runs but its D-Bus is unreachable (%s): cannot let DHCP/DNS through to %s: %s", bus, bridge, oneLine(err))
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
