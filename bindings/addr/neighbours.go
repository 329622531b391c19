package addr

import (
	"errors"
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/target"
	"rewire/bindings/tx"
)

var neighKind = tx.NewKind("addr.take_neighbour", func(tg *target.Target, n neighbour) error {
	return forgetNeighbour(tg, n)
}, tx.KindOptions[neighbour]{})

// neighbour is an IPv4 neighbour entry Move gave `to`: the undo drops it.
type neighbour struct {
	Dev string `json:"dev"`
	IP  string `json:"ip"`
	MAC string `json:"mac"`
}

// resolved are the states of an entry whose MAC the kernel knows.
const resolved = netlink.NUD_REACHABLE | netlink.NUD_STALE | netlink.NUD_DELAY | netlink.NUD_PROBE

// takeNeighbours gives `to` the IPv4 neighbours `from` has resolved, as
// stale entries (`ip neigh add IP lladdr MAC dev TO nud stale`), each its
// own change: `to` takes over from's place on the same LAN, and without
// them its first packet to the gateway would wait for an ARP round trip
// when the routes move (the kernel reconfirms a stale entry on its own,
// after it has used it). Entries `to` already has are left alone.
func takeNeighbours(s *tx.Session, from, to string) error {
	src, err := s.Target.LinkByName(from)
	if err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	dst, err := s.Target.LinkByName(to)
	if err != nil {
		return fmt.Errorf("%s: %w", to, err)
	}
	h, err := s.Target.Handle()
	if err != nil {
		return err
	}
	have, err := h.NeighList(dst.Attrs().Index, netlink.FAMILY_V4)
	if err != nil {
		return fmt.Errorf("neighbours of %s: %w", to, err)
	}
	theirs, err := h.NeighList(src.Attrs().Index, netlink.FAMILY_V4)
	if err != nil {
		return fmt.Errorf("neighbours of %s: %w", from, err)
	}
	for _, n := range theirs {
		if n.State&resolved == 0 || len(n.HardwareAddr) == 0 || holds(have, n.IP) {
			continue
		}
		nb := neighbour{Dev: to, IP: n.IP.String(), MAC: n.HardwareAddr.String()}
		desc := fmt.Sprintf("give %s neighbour %s (%s) of %s", to, nb.IP, nb.MAC, from)
		if err := neighKind.Apply(s, "neigh:"+to+":"+nb.IP, desc, nb, func() error { return addNeighbour(s.Target, nb) }); err != nil {
			return err
		}
	}
	return nil
}

func holds(ns []netlink.Neigh, ip net.IP) bool {
	for _, n := range ns {
		if n.IP.Equal(ip) && n.State&(resolved|netlink.NUD_PERMANENT|netlink.NUD_NOARP) != 0 {
			return true
		}
	}
	return false
}

// neighOf is n as netlink has it, with the handle to change it by.
func neighOf(tg *target.Target, n neighbour) (*netlink.Handle, *netlink.Neigh, error) {
	h, err := tg.Handle()
	if err != nil {
		return nil, nil, err
	}
	l, err := tg.LinkByName(n.Dev)
	if err != nil {
		return nil, nil, err
	}
	mac, err := net.ParseMAC(n.MAC)
	if err != nil {
		return nil, nil, err
	}
	return h, &netlink.Neigh{LinkIndex: l.Attrs().Index, Family: netlink.FAMILY_V4, State: netlink.NUD_STALE,
		IP: net.ParseIP(n.IP), HardwareAddr: mac}, nil
}

func addNeighbour(tg *target.Target, n neighbour) error {
	h, nn, err := neighOf(tg, n)
	if err == nil {
		// Replace: an INCOMPLETE entry for it (the kernel tried) is no use.
		err = h.NeighSet(nn)
	}
	if err != nil {
		return fmt.Errorf("neighbour %s on %s: %w", n.IP, n.Dev, err)
	}
	return nil
}

// forgetNeighbour drops the entry; one already gone (with its link, or
// expired) is fine.
func forgetNeighbour(tg *target.Target, n neighbour) error {
	h, nn, err := neighOf(tg, n)
	if err == nil {
		err = h.NeighDel(nn)
	}
	if err != nil && !errors.Is(err, unix.ENOENT) && !isGone(err) {
		return fmt.Errorf("forget neighbour %s on %s: %w", n.IP, n.Dev, err)
	}
	return nil
}
