package host

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// lifetime converts the kernel's seconds left (0xffffffff: forever).
func lifetime(s int) int {
	if uint32(s) == 0xffffffff || s < 0 {
		return Forever
	}
	return s
}

// origin says how the kernel got an address, from its flags as `ip -d
// addr` shows them: no "dynamic" (IFA_F_PERMANENT set) is static; a
// dynamic IPv4 address is a DHCP lease; a dynamic IPv6 /128 is DHCPv6, a
// dynamic or mngtmpaddr/temporary IPv6 address of a /64 is SLAAC;
// link-local addresses are "link".
func origin(a netlink.Addr) string {
	ip := a.IP
	ones, _ := a.Mask.Size()
	if ip.IsLinkLocalUnicast() {
		return OriginLink
	}
	dynamic := a.Flags&unix.IFA_F_PERMANENT == 0
	if ip.To4() != nil {
		if dynamic {
			return OriginDHCP
		}
		return OriginStatic
	}
	if a.Flags&(unix.IFA_F_MANAGETEMPADDR|unix.IFA_F_TEMPORARY) != 0 {
		return OriginSLAAC
	}
	if !dynamic {
		return OriginStatic
	}
	if ones == 128 {
		return OriginDHCPv6
	}
	return OriginSLAAC
}

// client names who holds a dynamic address of dev. A client process in
// the namespace whose arguments name the device (dhclient, dhcpcd,
// udhcpc) is named with its pid and lease file — unless the device's
// manager started it (NetworkManager's dhclient backend), which then
// holds the address; else the device's manager (its internal client, its
// RA handling) does; else SLAAC is the kernel's.
func client(s *snapshot, d *Device, ndl ndLink, orig string) (who, lease string) {
	v6 := orig == OriginDHCPv6
	p, hasProc := dhcpProcess(s.procs, d.Name, v6)
	foreign := hasProc && !(d.Manager == NetworkManager && startedByNM(p))
	switch {
	case foreign:
		return fmt.Sprintf("%s pid %d", p.Comm, p.PID), argAfter(p.Argv, "-lf")
	case d.Manager == NetworkManager:
		who = NetworkManager
		if hasProc {
			who += fmt.Sprintf(" (%s pid %d)", p.Comm, p.PID)
		}
		if orig != OriginSLAAC {
			lease = nmLease(s.roots, d.UUID, d.Name, v6)
		}
		return who, lease
	case d.Manager == Networkd:
		if orig == OriginDHCP {
			lease = ndl.Lease
		}
		return Networkd, lease
	case orig == OriginSLAAC:
		return "kernel", ""
	}
	return "", ""
}

// startedByNM says whether NetworkManager started the client: its
// dhclient runs with NM's helper script and pid file under
// /run/NetworkManager.
func startedByNM(p proc) bool {
	for _, a := range p.Argv {
		if strings.Contains(a, "NetworkManager") {
			return true
		}
	}
	return false
}

// dhcpProcess finds a DHCP client process for dev (dhclient -6 for v6).
func dhcpProcess(ps []proc, dev string, v6 bool) (proc, bool) {
	for _, p := range ps {
		switch p.Comm {
		case "dhclient", "dhcpcd", "udhcpc":
		default:
			continue
		}
		names, six := false, false
		for i, a := range p.Argv {
			if i > 0 && a == dev {
				names = true
			}
			six = six || a == "-6"
		}
		if names && six == v6 {
			return p, true
		}
	}
	return proc{}, false
}

func argAfter(argv []string, flag string) string {
	for i := 0; i+1 < len(argv); i++ {
		if argv[i] == flag {
			return argv[i+1]
		}
	}
	return ""
}

// nmLease finds NetworkManager's lease file of a connection on dev
// (/var/lib/NetworkManager/{internal,dhclient}[6]-UUID-DEV.lease).
func nmLease(r Roots, uuid, dev string, v6 bool) string {
	if uuid == "" {
		return ""
	}
	six := ""
	if v6 {
		six = "6"
	}
	for _, c := range []string{"internal" + six, "dhclient" + six} {
		name := fmt.Sprintf("%s-%s-%s.lease", c, uuid, dev)
		if m, _ := filepath.Glob(filepath.Join(r.Var, "NetworkManager", name)); len(m) > 0 {
			return filepath.Join("/var/lib/NetworkManager", name)
		}
	}
	return ""
}

// addresses reads dev's addresses with their origin and client.
func addresses(s *snapshot, l netlink.Link, d *Device, ndl ndLink) ([]Address, error) {
	list, err := s.tg.AddrList(l, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("addresses of %s: %w", d.Name, err)
	}
	out := make([]Address, 0, len(list))
	for _, a := range list {
		ad := Address{CIDR: (&net.IPNet{IP: a.IP, Mask: a.Mask}).String(), Origin: origin(a),
			ValidLft: lifetime(a.ValidLft), PreferredLft: lifetime(a.PreferedLft)}
		if ad.Origin != OriginStatic && ad.Origin != OriginLink {
			ad.Client, ad.Lease = client(s, d, ndl, ad.Origin)
		}
		out = append(out, ad)
	}
	return out, nil
}

// oneLine keeps an error message on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
