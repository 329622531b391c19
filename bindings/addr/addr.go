// Package addr reads and changes interface addresses (`ip addr`), and
// moves a NIC's whole IP configuration — addresses, routes, MAC — to
// another interface (the bridge of SCENARIOS.md S2).
package addr

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/errkind"
	"rewire/bindings/target"
)

// Spec is one address as the journal and Lua see it.
type Spec struct {
	Dev       string `json:"dev"`
	CIDR      string `json:"cidr"`
	Family    string `json:"family"` // inet, inet6
	Scope     string `json:"scope"`  // global, link, host
	Label     string `json:"label,omitempty"`
	Broadcast string `json:"broadcast,omitempty"`
	// NoBroadcast marks an IPv4 address that has none (`ip addr add`
	// without brd), so a restore does not give it the computed one.
	NoBroadcast bool `json:"no_broadcast,omitempty"`
	Flags       int  `json:"flags,omitempty"` // IFA_F_*: secondary, nodad, noprefixroute...
	Secondary   bool `json:"secondary,omitempty"`
	// ValidLft and PreferredLft are the seconds left of a dynamic address
	// (a DHCP lease, SLAAC); 0 for one that never expires. An address
	// put back keeps being dynamic (`ip addr add ... valid_lft N`).
	ValidLft     int `json:"valid_lft,omitempty"`
	PreferredLft int `json:"preferred_lft,omitempty"`
}

func scopeName(s int) string {
	switch s {
	case unix.RT_SCOPE_UNIVERSE:
		return "global"
	case unix.RT_SCOPE_LINK:
		return "link"
	case unix.RT_SCOPE_HOST:
		return "host"
	}
	return fmt.Sprint(s)
}

func fromNetlink(dev string, a netlink.Addr) Spec {
	s := Spec{Dev: dev, CIDR: a.IPNet.String(), Family: "inet", Scope: scopeName(a.Scope), Label: a.Label,
		Flags: a.Flags, Secondary: a.Flags&unix.IFA_F_SECONDARY != 0}
	if a.IP.To4() == nil {
		s.Family = "inet6"
	}
	if a.Broadcast != nil {
		s.Broadcast = a.Broadcast.String()
	}
	s.NoBroadcast = s.Family == "inet" && a.Broadcast == nil
	if a.ValidLft > 0 && uint32(a.ValidLft) != 0xffffffff {
		s.ValidLft, s.PreferredLft = a.ValidLft, a.PreferedLft
	}
	return s
}

// Global reports whether the address is one an admin configured (not
// link-local or host scope).
func (s Spec) Global() bool { return s.Scope == "global" }

// ParseCIDR validates an address with its prefix ("10.0.0.111/24").
func ParseCIDR(cidr string) (*netlink.Addr, error) {
	if !strings.Contains(cidr, "/") {
		return nil, errkind.Invalid("bad CIDR %q: want address/prefix, e.g. 10.0.0.111/24", cidr)
	}
	a, err := netlink.ParseAddr(cidr)
	if err != nil {
		return nil, errkind.Invalid("bad CIDR %q", cidr)
	}
	return a, nil
}

// toNetlink rebuilds the kernel address (flags that describe state, not
// configuration — secondary, tentative — are the kernel's to set).
func (s Spec) toNetlink() (*netlink.Addr, error) {
	a, err := ParseCIDR(s.CIDR)
	if err != nil {
		return nil, err
	}
	a.Label = s.Label
	if s.Broadcast != "" {
		// IFA_BROADCAST must be 4 bytes for IPv4; a 16-byte form is ignored.
		if a.Broadcast = net.ParseIP(s.Broadcast); a.Broadcast.To4() != nil {
			a.Broadcast = a.Broadcast.To4()
		}
	} else if s.NoBroadcast {
		a.Broadcast = net.IPv4zero // netlink's way to send none
	}
	a.ValidLft, a.PreferedLft = s.ValidLft, s.PreferredLft
	a.Flags = s.Flags &^ (unix.IFA_F_SECONDARY | unix.IFA_F_TENTATIVE | unix.IFA_F_DADFAILED | unix.IFA_F_DEPRECATED)
	return a, nil
}

// List is `ip addr show [dev DEV]`: every address, in the kernel's order
// (primary before secondary).
func List(tg *target.Target, dev string) ([]Spec, error) {
	var links []netlink.Link
	if dev != "" {
		l, err := tg.LinkByName(dev)
		if err != nil {
			return nil, err
		}
		links = []netlink.Link{l}
	} else {
		var err error
		if links, err = tg.LinkList(); err != nil {
			return nil, err
		}
	}
	var out []Spec
	for _, l := range links {
		as, err := tg.AddrList(l, netlink.FAMILY_ALL)
		if err != nil {
			return nil, fmt.Errorf("list addresses of %s: %w", l.Attrs().Name, err)
		}
		for _, a := range as {
			out = append(out, fromNetlink(l.Attrs().Name, a))
		}
	}
	return out, nil
}

// has reports whether dev carries cidr.
func has(tg *target.Target, dev, cidr string) (bool, error) {
	as, err := List(tg, dev)
	if err != nil {
		return false, err
	}
	for _, a := range as {
		if a.CIDR == cidr {
			return true, nil
		}
	}
	return false, nil
}

func isGone(err error) bool {
	var nl target.ErrNoLink
	return errors.Is(err, unix.EADDRNOTAVAIL) || errors.Is(err, unix.ENODEV) || errors.Is(err, unix.ESRCH) || errors.As(err, &nl)
}
