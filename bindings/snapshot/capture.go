package snapshot

import (
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/vishvananda/netlink"

	"rewire/bindings/bond"
	"rewire/bindings/bridge"
	"rewire/bindings/errkind"
	"rewire/bindings/host"
	"rewire/bindings/target"
)

// Capture reads tg's networking, read-only: links and their addresses
// (with origin and manager, as `rewire status` reads them from roots),
// routes of every table, rules, sysctls, the firewall, and — when
// libvirtURI is not "" — libvirt's networks, guests and leases.
func Capture(tg *target.Target, roots host.Roots, libvirtURI string) (*Snapshot, error) {
	s := &Snapshot{Version: Version, Taken: time.Now().UTC().Format(time.RFC3339), Source: tg.Name,
		Sysctls: map[string]string{}, Links: []Link{}, Routes: []Route{}, Rules: []Rule{},
		Managers: []Manager{}, Networks: []Network{}, Domains: []Domain{}, Leases: []Lease{}}
	tg.Do(func() error { s.Hostname, _ = os.Hostname(); return nil })
	if err := captureLinks(tg, roots, s); err != nil {
		return nil, errkind.System("snapshot %s: links: %v", tg.Name, err)
	}
	var err error
	if s.Routes, err = captureRoutes(tg); err != nil {
		return nil, errkind.System("snapshot %s: routes: %v", tg.Name, err)
	}
	if s.Rules, err = captureRules(tg); err != nil {
		return nil, errkind.System("snapshot %s: rules: %v", tg.Name, err)
	}
	captureSysctls(tg, s)
	if s.Firewall, err = captureFirewall(tg); err != nil {
		return nil, errkind.System("snapshot %s: firewall: %v", tg.Name, err)
	}
	if libvirtURI != "" {
		if err := captureLibvirt(libvirtURI, s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// captureLinks is `ip -d link` plus each device's manager and addresses
// from bindings/host (origin, lifetimes, DHCP client).
func captureLinks(tg *target.Target, roots host.Roots, s *Snapshot) error {
	links, err := tg.LinkList()
	if err != nil {
		return err
	}
	sort.Slice(links, func(i, j int) bool { return links[i].Attrs().Index < links[j].Attrs().Index })
	byIndex := map[int]string{}
	for _, l := range links {
		byIndex[l.Attrs().Index] = l.Attrs().Name
	}
	devs, err := host.Devices(tg, roots)
	if err != nil {
		return err
	}
	byName := map[string]host.Device{}
	for _, d := range devs {
		byName[d.Name] = d
	}
	for _, l := range links {
		a := l.Attrs()
		lk := Link{Name: a.Name, Index: a.Index, Kind: l.Type(), MTU: a.MTU, Up: a.Flags&1 != 0,
			Master: byIndex[a.MasterIndex], Addresses: []Address{}}
		if len(a.HardwareAddr) > 0 {
			lk.MAC = a.HardwareAddr.String()
		}
		switch v := l.(type) {
		case *netlink.Bridge:
			info, err := bridge.Get(tg, a.Name)
			if err != nil {
				return fmt.Errorf("bridge %s: %w", a.Name, err)
			}
			lk.Bridge = &BridgeOpts{STP: info.Attrs.STP, ForwardDelay: info.Attrs.ForwardDelay}
		case *netlink.Bond:
			lk.Bond = &BondOpts{Mode: v.Mode.String(), Miimon: v.Miimon}
			if st, err := bond.Get(tg, a.Name); err == nil && st.Mode != "" {
				lk.Bond.Mode = st.Mode
			}
		case *netlink.Vlan:
			proto := "802.1Q"
			if v.VlanProtocol == netlink.VLAN_PROTOCOL_8021AD {
				proto = "802.1ad"
			}
			lk.VLAN = &VLANOpts{Parent: byIndex[a.ParentIndex], ID: v.VlanId, Protocol: proto}
		}
		if d, ok := byName[a.Name]; ok {
			lk.Manager, lk.Profile = d.Manager, d.Profile
			for _, ad := range d.Addresses {
				lk.Addresses = append(lk.Addresses, Address{CIDR: ad.CIDR, Origin: ad.Origin, Client: ad.Client,
					ValidLft: ad.ValidLft, PreferredLft: ad.PreferredLft})
			}
		}
		s.Links = append(s.Links, lk)
	}
	for _, m := range mustManagers(tg, roots) {
		s.Managers = append(s.Managers, Manager{Name: m.Name, Version: m.Version, Running: m.Running, Devices: nonNil(m.Devices)})
	}
	return nil
}

func mustManagers(tg *target.Target, roots host.Roots) []host.Manager {
	ms, _ := host.Managers(tg, roots) // Devices succeeded: the same reading
	return ms
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
