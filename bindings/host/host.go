// Package host tells who manages a host's network devices and how each
// address came to be, reading only: NetworkManager over D-Bus (what
// `nmcli -t device` and `nmcli connection show --active` show),
// systemd-networkd's link state files (`networkctl status`), ifupdown's
// state and stanzas (`ifquery --state`, `ifquery IFACE`), network-scripts
// ifcfg files, netplan's generated files, the kernel's address flags
// (`ip -d addr`: dynamic, mngtmpaddr, valid_lft), the DHCP client
// processes in the target's namespace, and firewalld's zones
// (`firewall-cmd --get-zone-of-interface`). Nothing is changed.
//
// Every path is under Roots, so tests point it at their sandbox and bus;
// kernel state and processes are those of the target's network namespace.
// A daemon counts as running when a process of that name runs in the
// target's network namespace (as `ip netns pids` finds it): the bus is
// dialled only then, so a namespace without NetworkManager is never
// described by the machine's NetworkManager, and one where it runs but
// cannot be asked is an error rather than a guess.
package host

import (
	"path/filepath"

	"rewire/bindings/target"
)

// Roots are where the managers keep their configuration and state.
type Roots struct {
	Etc string `json:"etc"` // /etc
	Run string `json:"run"` // /run
	Var string `json:"var"` // /var/lib
	// Bus is the system bus address; "" is unix:path=RUN/dbus/system_bus_socket.
	Bus string `json:"bus,omitempty"`
	// IfupdownState is ifupdown's --state-dir; "" is RUN/network.
	IfupdownState string `json:"ifupdown_state,omitempty"`
}

// DefaultRoots are the real paths and the system bus.
func DefaultRoots() Roots { return Roots{Etc: "/etc", Run: "/run", Var: "/var/lib"} }

// RootsFor gives the roots of a target; the CLI points the lab's at the
// lab's own directories. The default is DefaultRoots for every target.
var RootsFor = func(*target.Target) Roots { return DefaultRoots() }

func (r Roots) bus() string {
	if r.Bus != "" {
		return r.Bus
	}
	return "unix:path=" + filepath.Join(r.Run, "dbus/system_bus_socket")
}

func (r Roots) ifstateDir() string {
	if r.IfupdownState != "" {
		return r.IfupdownState
	}
	return filepath.Join(r.Run, "network")
}

// under maps a path as a manager names it (/etc/..., /run/...) to the
// roots, so a file NetworkManager reports can be read from here.
func (r Roots) under(p string) string {
	for _, m := range [][2]string{{"/etc/", r.Etc}, {"/run/", r.Run}, {"/var/lib/", r.Var}} {
		if len(p) > len(m[0]) && p[:len(m[0])] == m[0] {
			return filepath.Join(m[1], p[len(m[0]):])
		}
	}
	return p
}

// Manager names, as Device.Manager and Manager.Name give them.
const (
	NetworkManager = "NetworkManager"
	Networkd       = "systemd-networkd"
	Ifupdown       = "ifupdown"
	NetworkScripts = "network-scripts"
	Netplan        = "netplan"
	Firewalld      = "firewalld"
	None           = "none"
)

// Address origins.
const (
	OriginStatic = "static"
	OriginDHCP   = "dhcp"
	OriginSLAAC  = "slaac"
	OriginDHCPv6 = "dhcpv6"
	OriginLink   = "link" // IPv6 link-local (or IPv4LL 169.254/16)
)

// Forever is ValidLft of an address that never expires.
const Forever = -1

// Device is one network device and who manages it.
type Device struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
	// Manager is the one that owns the device now: NetworkManager,
	// systemd-networkd, ifupdown, network-scripts or none.
	Manager string `json:"manager"`
	// Frontend is the configuration layer the manager was fed from:
	// "netplan" when netplan generated its profile or .network file.
	Frontend string `json:"frontend,omitempty"`
	// State is the manager's word for the device: NetworkManager's
	// device state (activated, unmanaged, ...), networkd's
	// ADMIN_STATE/OPER_STATE (configured/routable), ifupdown's up/down;
	// the kernel's operational state (up, down) for none.
	State string `json:"state"`
	// Profile is NetworkManager's active connection id, networkd's
	// .network file, ifupdown's `iface` line, the ifcfg file.
	Profile string `json:"profile,omitempty"`
	UUID    string `json:"uuid,omitempty"` // NetworkManager's connection UUID
	// File is where Profile lives, as the manager names it.
	File string `json:"file,omitempty"`
	// Source is netplan's YAML when Frontend is netplan.
	Source    string    `json:"source,omitempty"`
	Addresses []Address `json:"addresses"`
	Zone      string    `json:"zone,omitempty"` // firewalld's zone of the interface
	// Claims lists other managers whose configuration names the device
	// (an ifupdown stanza for a device NetworkManager runs): who would
	// take it at the next restart.
	Claims []string `json:"claims,omitempty"`
}

// Address is one address of a device and how it came.
type Address struct {
	CIDR   string `json:"cidr"`
	Origin string `json:"origin"` // static, dhcp, slaac, dhcpv6, link
	// Client is the DHCP client holding the lease: "NetworkManager",
	// "systemd-networkd", "dhclient pid 1234", ...
	Client string `json:"client,omitempty"`
	Lease  string `json:"lease,omitempty"` // the client's lease file
	// ValidLft and PreferredLft are seconds left; Forever (-1) for none.
	ValidLft     int `json:"valid_lft"`
	PreferredLft int `json:"preferred_lft"`
}

// Manager is one network manager of the host.
type Manager struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	// Running: the daemon runs in the target's network namespace; for
	// ifupdown, its state names configured interfaces; for netplan and
	// network-scripts, their configuration exists.
	Running bool     `json:"running"`
	Devices []string `json:"devices"` // the devices it manages now
}
