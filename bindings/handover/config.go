package handover

import (
	"errors"
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/route"
	"rewire/bindings/target"
)

// Config is a device's global addresses (with what is left of their
// lifetimes: a lease stays a lease) and admin routes, as `ip addr` and
// `ip route` show them: what a manager drops on letting go.
type Config struct {
	Addrs  []Addr       `json:"addrs,omitempty"`
	Routes []route.Spec `json:"routes,omitempty"`
}

// Addr is one address with its lifetimes (seconds; 0 for forever).
type Addr struct {
	CIDR      string `json:"cidr"`
	Broadcast string `json:"broadcast,omitempty"`
	Label     string `json:"label,omitempty"`
	Flags     int    `json:"flags,omitempty"`
	Valid     int    `json:"valid_lft,omitempty"`
	Preferred int    `json:"preferred_lft,omitempty"`
}

const forever = 0xffffffff

func capture(tg *target.Target, dev string) (Config, error) {
	l, err := tg.LinkByName(dev)
	if err != nil {
		return Config{}, err
	}
	as, err := tg.AddrList(l, netlink.FAMILY_ALL)
	if err != nil {
		return Config{}, err
	}
	var c Config
	for _, a := range as {
		if a.Scope != unix.RT_SCOPE_UNIVERSE {
			continue
		}
		x := Addr{CIDR: a.IPNet.String(), Label: a.Label, Flags: a.Flags &^ (unix.IFA_F_SECONDARY | unix.IFA_F_TENTATIVE | unix.IFA_F_DEPRECATED)}
		if a.Broadcast != nil {
			x.Broadcast = a.Broadcast.String()
		}
		if a.ValidLft != forever {
			x.Valid, x.Preferred = a.ValidLft, a.PreferedLft
		}
		c.Addrs = append(c.Addrs, x)
	}
	c.Routes, err = route.Movables(tg, dev)
	return c, err
}

// restore puts back every address and route of c that dev lacks
// (`ip addr replace ... valid_lft N preferred_lft M`, `ip route replace`).
func restore(tg *target.Target, dev string, c Config) error {
	h, err := tg.Handle()
	if err != nil {
		return err
	}
	l, err := tg.LinkByName(dev)
	if err != nil {
		return err
	}
	for _, a := range c.Addrs {
		na, err := netlink.ParseAddr(a.CIDR)
		if err != nil {
			return err
		}
		na.Label, na.Flags = a.Label, a.Flags
		if a.Broadcast != "" {
			if na.Broadcast = net.ParseIP(a.Broadcast); na.Broadcast.To4() != nil {
				na.Broadcast = na.Broadcast.To4()
			}
		}
		if a.Valid > 0 {
			na.ValidLft, na.PreferedLft = a.Valid, a.Preferred
		}
		if err := h.AddrReplace(l, na); err != nil {
			return fmt.Errorf("put %s back on %s: %w", a.CIDR, dev, err)
		}
	}
	for _, r := range c.Routes {
		r := r
		if err := route.Swap(tg, nil, &r); err != nil && !errors.Is(err, unix.EEXIST) {
			return err
		}
	}
	return nil
}
