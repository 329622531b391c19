package lab

import (
	"strings"

	"rewire/bindings/snapshot"
)

// BuiltinName is what `lab status` calls the built-in snapshot.
const BuiltinName = "the built-in lab"

// Builtin is the fixed lab as a snapshot — `rewire lab up` is `lab up
// --from` this: eth0 (a NIC, NICMAC) with HostIP, default via Gateway,
// libvirt's default NAT network (autostart, active) and the guests vm1
// and vm2 on it, running. The rest (libvirt's bridge, taps and rules,
// the namespace's sysctls) is what libvirt and the kernel make of it.
// The manager flavours (`--manager`) still build eth0 their own way.
func Builtin() *snapshot.Snapshot {
	s := &snapshot.Snapshot{Version: snapshot.Version, Hostname: "rewire-lab", Source: BuiltinName,
		Links: []snapshot.Link{
			{Name: "lo", Kind: "device", MTU: 65536, Up: true, Manager: "none"},
			{Name: NIC, Kind: "veth", MAC: NICMAC, MTU: 1500, Up: true, Manager: "none",
				Addresses: []snapshot.Address{{CIDR: HostIP, Origin: "static", ValidLft: -1, PreferredLft: -1}}},
		},
		Routes: []snapshot.Route{{Table: "main", Dst: "default", Gateway: Gateway, Dev: NIC, Protocol: "boot",
			Scope: "universe", Type: "unicast", Family: "inet"}},
		Sysctls:  map[string]string{},
		Networks: []snapshot.Network{{Name: "default", Active: true, Autostart: true, XML: defaultNetwork}},
	}
	for _, g := range Guests {
		s.Domains = append(s.Domains, snapshot.Domain{Name: g.Name, State: "running", Autostart: true, XML: guestXML(g.Name, g.MAC)})
	}
	return s
}

// isBuiltin says whether the lab is being made from the built-in snapshot.
func (l *Lab) isBuiltin() bool { return l.From != nil && strings.HasPrefix(l.FromName, BuiltinName) }
