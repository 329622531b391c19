package persist

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"rewire/bindings/errkind"
	"rewire/bindings/host"
)

// Flavours: the configuration formats persist writes, one per manager.
const (
	FlavourNM       = "networkmanager"
	FlavourNetworkd = "networkd"
	FlavourNetplan  = "netplan"
	FlavourIfupdown = "ifupdown"
	FlavourIfcfg    = "ifcfg"
)

// Owned is a device with the format its configuration is kept in.
type Owned struct {
	Dev
	Flavour string `json:"flavour"`
	// Manager is what host.DeviceOf said (for messages), or what the
	// device inherits from its ports ("NetworkManager via eth0").
	Manager string `json:"manager"`
	// Profile is the manager's file for the device, as the manager names
	// it (/etc/NetworkManager/system-connections/uplink.nmconnection);
	// for netplan, the YAML that defines it.
	Profile string `json:"profile,omitempty"`
	ID      string `json:"id,omitempty"` // NetworkManager's connection id
	UUID    string `json:"uuid,omitempty"`
	// Renderer is netplan's backend for the device (networkd or
	// NetworkManager).
	Renderer string `json:"renderer,omitempty"`
}

// flavourOf says which format keeps a device its manager owns; "" for a
// device no manager owns.
func flavourOf(hd host.Device) string {
	if hd.Frontend == host.Netplan {
		return FlavourNetplan
	}
	switch hd.Manager {
	case host.NetworkManager:
		if strings.HasPrefix(hd.File, "/etc/sysconfig/network-scripts/") {
			return FlavourIfcfg
		}
		return FlavourNM
	case host.Networkd:
		return FlavourNetworkd
	case host.Ifupdown:
		return FlavourIfupdown
	case host.NetworkScripts:
		return FlavourIfcfg
	}
	return ""
}

func own(d Dev, hd host.Device) Owned {
	o := Owned{Dev: d, Flavour: flavourOf(hd), Manager: hd.Manager, UUID: hd.UUID}
	if hd.Manager == host.NetworkManager && hd.Frontend == "" && (hd.File == "" || d.Virtual() && !strings.HasPrefix(hd.File, "/etc/")) {
		// NetworkManager's in-memory profile of a device someone else
		// made (a bridge rewire created: "connected (externally)"; NM
		// may keep it as a file in /run): nothing of it is kept, the
		// device goes with its ports.
		o.Flavour, o.Manager, o.UUID = "", hd.Manager+" (external, no profile file)", ""
	}
	if o.Flavour == FlavourNetplan {
		o.Profile = hd.Source
		o.Renderer = "networkd"
		if hd.Manager == host.NetworkManager {
			o.Renderer = "NetworkManager"
		}
	} else if o.Flavour != "" {
		o.Profile, o.ID = hd.File, hd.Profile
		if o.Flavour == FlavourNM && o.ID == "" {
			o.ID = d.Name
		}
	}
	return o
}

// inherit gives each device no manager owns — a bridge, bond or VLAN the
// transaction made — the format of the devices below it (ports, slaves,
// the VLAN's parent), as an admin adds br0 to whichever manager runs
// eth0. A device for which none is found is the one-line error naming
// it and what was found; so is a device whose lower devices disagree.
//
// A device with nothing below it (a bridge only guests will join) is
// kept by the host's one manager, when it has exactly one (fallback).
func inherit(devs map[string]*Owned, hds map[string]host.Device, fallback func() (Owned, bool)) error {
	var resolve func(name string, depth int) (*Owned, error)
	resolve = func(name string, depth int) (*Owned, error) {
		o := devs[name]
		if o.Flavour != "" || depth > 8 {
			return o, nil
		}
		lower := append([]string(nil), o.Ports...)
		if o.VLAN != nil {
			lower = append(lower, o.VLAN.Parent)
		}
		var from *Owned
		for _, n := range lower {
			lo, ok := devs[n]
			if !ok {
				continue
			}
			lo, err := resolve(n, depth+1)
			if err != nil {
				return nil, err
			}
			if lo.Flavour == "" {
				continue
			}
			if from != nil && (from.Flavour != lo.Flavour || from.Renderer != lo.Renderer) {
				return nil, errkind.Invalid("%s: its lower devices are kept by different managers (%s: %s, %s: %s); nothing written",
					name, from.Name, from.Flavour, lo.Name, lo.Flavour)
			}
			if from == nil {
				from = lo
			}
		}
		if from == nil && len(lower) == 0 {
			if fb, ok := fallback(); ok && o.Virtual() {
				o.Flavour, o.Renderer, o.Manager, o.Profile = fb.Flavour, fb.Renderer, fb.Manager, fb.Profile
				return o, nil
			}
			none := ""
			if len(hds[name].Claims) == 0 {
				none = "; no NetworkManager, networkd, ifupdown, netplan or ifcfg configuration names it"
			}
			return nil, errkind.Invalid("%s: no network manager owns it (found: %s%s); nothing written", name, found(name, nil, hds), none)
		}
		if from == nil {
			return nil, errkind.Invalid("%s: no network manager owns it or the devices below it (found: %s); nothing written", name, found(name, lower, hds))
		}
		o.Flavour, o.Renderer = from.Flavour, from.Renderer
		o.Manager = from.Manager + " via " + from.Name
		if o.Flavour == FlavourNetplan {
			o.Profile = from.Profile
		}
		return o, nil
	}
	names := make([]string, 0, len(devs))
	for n := range devs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := resolve(n, 0); err != nil {
			return err
		}
	}
	return nil
}

// underNetplan gives a device rewire made, which networkd runs from a
// runtime .network only (the hand-over's lease file in /run), back to its
// ports when netplan keeps them: netplan's YAML is the host's
// configuration, so the device is kept there, not in a networkd file that
// would define it a second time beside netplan's.
func underNetplan(devs map[string]*Owned) {
	for _, o := range devs {
		if o.Flavour != FlavourNetworkd || !o.Virtual() || strings.HasPrefix(o.Profile, "/etc/") {
			continue
		}
		for _, p := range o.Ports {
			if lo, ok := devs[p]; ok && lo.Flavour == FlavourNetplan {
				o.Flavour, o.Profile, o.Manager = "", "", o.Manager+" (runtime .network only)"
				break
			}
		}
	}
}

// found says what detection found of a device and the devices below it.
func found(name string, lower []string, hds map[string]host.Device) string {
	var parts []string
	for _, n := range append([]string{name}, lower...) {
		hd := hds[n]
		s := fmt.Sprintf("manager %s, state %s", hd.Manager, hd.State)
		if n != name || len(lower) > 0 {
			s = n + " " + s
		}
		if hd.File != "" {
			s += ", file " + hd.File
		}
		if len(hd.Claims) > 0 {
			s += ", named by " + strings.Join(hd.Claims, " and ")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// etcPath maps a path as the manager names it (/etc/...) under the
// roots' etc.
func etcPath(etc, p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "/etc/")
	if !ok {
		return "", false
	}
	return filepath.Join(etc, rest), true
}

// hostManager is the one manager that manages devices on the host (lo
// aside), as host.Managers sees them; false when none or several do.
func hostManager(ms []host.Manager) (Owned, bool) {
	var only host.Manager
	n := 0
	netplan := false
	for _, m := range ms {
		busy := false
		for _, d := range m.Devices {
			busy = busy || d != "lo"
		}
		switch m.Name {
		case host.Netplan:
			netplan = busy
		case host.NetworkManager, host.Networkd, host.Ifupdown, host.NetworkScripts:
			if m.Running && busy {
				only, n = m, n+1
			}
		}
	}
	if n != 1 {
		return Owned{}, false
	}
	o := Owned{Flavour: flavourOf(host.Device{Manager: only.Name}), Manager: only.Name + ", the host's only manager"}
	if netplan && (only.Name == host.Networkd || only.Name == host.NetworkManager) {
		o.Flavour, o.Renderer = FlavourNetplan, "networkd"
		if only.Name == host.NetworkManager {
			o.Renderer = "NetworkManager"
		}
	}
	return o, o.Flavour != ""
}
