package host

import (
	"sort"

	"github.com/vishvananda/netlink"

	"rewire/bindings/errkind"
	"rewire/bindings/target"
)

// DeviceOf is `nmcli device show DEV` / `networkctl status DEV` /
// `ifquery --state DEV` for whichever manager has it: who manages dev,
// in what state, from which profile, and how each address came. An
// unknown device is not_found; a manager that runs but cannot be asked
// over D-Bus is a system error naming it and the device.
func DeviceOf(tg *target.Target, r Roots, name string) (Device, error) {
	l, err := tg.LinkByName(name)
	if err != nil {
		return Device{}, errkind.NotFound("%s: no such interface", name)
	}
	s := read(tg, r, name)
	defer s.close()
	if s.nmErr != nil {
		return Device{}, s.unreachable(NetworkManager, name, s.nmErr)
	}
	return s.device(l)
}

// Devices is DeviceOf for every device, ordered by index.
func Devices(tg *target.Target, r Roots) ([]Device, error) {
	s := read(tg, r, "")
	defer s.close()
	return s.devices()
}

func (s *snapshot) devices() ([]Device, error) {
	if s.nmErr != nil {
		return nil, s.unreachable(NetworkManager, "", s.nmErr)
	}
	links, err := s.tg.LinkList()
	if err != nil {
		return nil, errkind.System("list links: %w", err)
	}
	out := make([]Device, 0, len(links))
	for _, l := range links {
		d, err := s.device(l)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, nil
}

// device decides who manages l. NetworkManager first (it is asked over
// the bus and says Managed), then networkd (its link state), then
// ifupdown (its state file), then network-scripts (an ifcfg file NM
// does not control); the others whose configuration names the device
// are Claims.
func (s *snapshot) device(l netlink.Link) (Device, error) {
	a := l.Attrs()
	d := Device{Name: a.Name, Index: a.Index, Manager: None, State: a.OperState.String()}
	var nd nmDevice
	if s.nm != nil {
		nd = s.nm.Devices[a.Name]
	}
	ndl := readNetworkd(s.roots, a.Index)
	_, ifup := s.ifstate[a.Name]
	cfg, hasCfg := s.ifcfg[a.Name]
	stanzas := s.stanzas[a.Name]
	switch {
	case nd.owns():
		d.Manager, d.State, d.Profile, d.UUID, d.File = NetworkManager, nd.State, nd.Profile, nd.UUID, nd.File
		if netplanGenerated(nd.File) {
			d.Frontend = Netplan
		}
	case ndl.owns():
		d.Manager, d.State, d.Profile, d.File = Networkd, ndl.state(), ndl.NetworkFile, ndl.NetworkFile
		if netplanGenerated(ndl.NetworkFile) {
			d.Frontend = Netplan
		}
	case ifup:
		d.Manager, d.State = Ifupdown, "up"
		if len(stanzas) > 0 {
			d.Profile, d.File = stanzas[0].Line, stanzas[0].File
		}
	case hasCfg && !(cfg.NMControlled && s.nm != nil):
		d.Manager, d.State, d.Profile, d.File = NetworkScripts, a.OperState.String(), cfg.File, cfg.File
	case s.nm != nil && nd.State != "":
		d.State = nd.State // NM knows it and leaves it alone: unmanaged
	}
	if d.Frontend == Netplan {
		d.Source = netplanSource(s.roots, a.Name)
	}
	d.Claims = s.claims(d, len(stanzas) > 0, hasCfg, ndl)
	addrs, err := addresses(s, l, &d, ndl)
	if err != nil {
		return Device{}, errkind.System("%w", err)
	}
	d.Addresses = addrs
	if s.fw {
		if s.fwErr != nil {
			return Device{}, s.unreachable(Firewalld, a.Name, s.fwErr)
		}
		z, err := firewalldZone(s.bus, a.Name)
		if err != nil {
			return Device{}, s.unreachable(Firewalld, a.Name, err)
		}
		d.Zone = z
	}
	return d, nil
}

// claims lists the managers other than d's whose configuration names it.
func (s *snapshot) claims(d Device, stanza, cfg bool, ndl ndLink) []string {
	var out []string
	add := func(m string, ok bool) {
		if ok && m != d.Manager {
			out = append(out, m)
		}
	}
	add(Ifupdown, stanza)
	add(NetworkScripts, cfg)
	add(Networkd, ndl.NetworkFile != "")
	return out
}
