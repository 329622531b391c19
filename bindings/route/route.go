// Package route reads and changes routes (`ip route`), in every table,
// IPv4 and IPv6, each change journaled with its exact undo.
package route

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/errkind"
	"rewire/bindings/target"
)

// Spec is one route as the journal and Lua see it; it round-trips to a
// netlink.Route exactly (table, metric, protocol, scope, type, source, flags).
type Spec struct {
	Dst     string `json:"dst"` // "default" or a CIDR
	Gateway string `json:"gateway,omitempty"`
	Dev     string `json:"dev,omitempty"`
	Table   int    `json:"table"`
	Metric  int    `json:"metric,omitempty"`
	Proto   int    `json:"proto"`
	Scope   int    `json:"scope"`
	Type    int    `json:"type,omitempty"`
	Src     string `json:"src,omitempty"`
	Flags   int    `json:"flags,omitempty"` // onlink etc.
	Family  int    `json:"family"`
}

func (s Spec) String() string {
	var b strings.Builder
	b.WriteString(s.Dst)
	if s.Gateway != "" {
		b.WriteString(" via " + s.Gateway)
	}
	if s.Dev != "" {
		b.WriteString(" dev " + s.Dev)
	}
	if s.Table != 0 && s.Table != unix.RT_TABLE_MAIN {
		fmt.Fprintf(&b, " table %d", s.Table)
	}
	if s.Metric != 0 {
		fmt.Fprintf(&b, " metric %d", s.Metric)
	}
	return b.String()
}

// Key identifies a route the way the kernel does for replace/delete.
func (s Spec) Key() string { return fmt.Sprintf("%d/%s/%d/%d", s.Table, s.Dst, s.Metric, s.Family) }

// Movable reports whether a route belongs to the admin (not one the kernel
// makes for an address, the local table, or a router advertisement).
func (s Spec) Movable() bool {
	return s.Proto != unix.RTPROT_KERNEL && s.Proto != unix.RTPROT_RA && s.Table != unix.RT_TABLE_LOCAL &&
		s.Type != unix.RTN_LOCAL && s.Type != unix.RTN_BROADCAST && s.Type != unix.RTN_MULTICAST
}

// Validate checks a spec's addresses without looking at any host.
func (s Spec) Validate() error {
	d := s
	d.Dev = ""
	_, err := d.ToNetlink(nil)
	return err
}

// statusFlags are the route flags the kernel sets to report a nexthop's
// state (dead, link down, offloaded): it refuses them in a new route
// (EINVAL), so a route captured on a bridge without carrier must not carry
// them into its undo. Journals written before still hold them: ToNetlink
// drops them too.
const statusFlags = unix.RTNH_F_DEAD | unix.RTNH_F_LINKDOWN | unix.RTNH_F_OFFLOAD | unix.RTNH_F_TRAP | unix.RTNH_F_UNRESOLVED

// FromNetlink converts a kernel route.
func FromNetlink(tg *target.Target, r netlink.Route) Spec {
	s := Spec{Table: r.Table, Metric: r.Priority, Proto: int(r.Protocol), Scope: int(r.Scope),
		Type: r.Type, Flags: r.Flags &^ statusFlags, Family: r.Family}
	if r.Dst == nil || (r.Dst.IP.IsUnspecified() && maskLen(r.Dst) == 0) {
		s.Dst = "default"
	} else {
		s.Dst = r.Dst.String()
	}
	if r.Gw != nil {
		s.Gateway = r.Gw.String()
	}
	if r.Src != nil {
		s.Src = r.Src.String()
	}
	if r.LinkIndex != 0 {
		if l, err := tg.LinkByIndex(r.LinkIndex); err == nil {
			s.Dev = l.Attrs().Name
		}
	}
	return s
}

// ToNetlink converts a Spec, resolving the device in tg.
func (s Spec) ToNetlink(tg *target.Target) (*netlink.Route, error) {
	r := &netlink.Route{Table: s.Table, Priority: s.Metric, Protocol: netlink.RouteProtocol(s.Proto),
		Scope: netlink.Scope(s.Scope), Type: s.Type, Flags: s.Flags &^ statusFlags, Family: s.Family}
	if s.Dst != "default" && s.Dst != "" {
		_, dst, err := net.ParseCIDR(s.Dst)
		if err != nil {
			return nil, errkind.Invalid("bad destination %q (want default or a CIDR)", s.Dst)
		}
		r.Dst = dst
	}
	if s.Gateway != "" {
		if r.Gw = net.ParseIP(s.Gateway); r.Gw == nil {
			return nil, errkind.Invalid("bad gateway %q", s.Gateway)
		}
	}
	if s.Src != "" {
		if r.Src = net.ParseIP(s.Src); r.Src == nil {
			return nil, errkind.Invalid("bad source %q", s.Src)
		}
	}
	if s.Dev != "" {
		l, err := tg.LinkByName(s.Dev)
		if err != nil {
			return nil, fmt.Errorf("dev %s: %w", s.Dev, err)
		}
		r.LinkIndex = l.Attrs().Index
	}
	if r.Family == 0 {
		r.Family = unix.AF_INET
		if (r.Gw != nil && r.Gw.To4() == nil) || (r.Dst != nil && r.Dst.IP.To4() == nil) {
			r.Family = unix.AF_INET6
		}
	}
	return r, nil
}

// Filter narrows List.
type Filter struct {
	Dev    string
	Table  int // 0 = every table
	Family int // 0 = IPv4 and IPv6
}

// List is `ip route show table all` (and `ip -6 route show table all`).
func List(tg *target.Target, f Filter) ([]Spec, error) {
	filter := &netlink.Route{Table: f.Table}
	mask := uint64(netlink.RT_FILTER_TABLE)
	if f.Dev != "" {
		l, err := tg.LinkByName(f.Dev)
		if err != nil {
			return nil, err
		}
		filter.LinkIndex = l.Attrs().Index
		mask |= netlink.RT_FILTER_OIF
	}
	if f.Table == 0 {
		filter.Table = unix.RT_TABLE_UNSPEC
	}
	fam := f.Family
	if fam == 0 {
		fam = netlink.FAMILY_ALL
	}
	rs, err := tg.RouteList(fam, filter, mask)
	if err != nil {
		return nil, fmt.Errorf("list routes: %w", err)
	}
	out := make([]Spec, 0, len(rs))
	for _, r := range rs {
		out = append(out, FromNetlink(tg, r))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Family < out[j].Family })
	return out, nil
}

// Default returns the main table's IPv4 default route (`ip route show default`).
func Default(tg *target.Target) (Spec, error) {
	rs, err := List(tg, Filter{Table: unix.RT_TABLE_MAIN, Family: unix.AF_INET})
	if err != nil {
		return Spec{}, err
	}
	var best *Spec
	for i := range rs {
		if rs[i].Dst == "default" && (best == nil || rs[i].Metric < best.Metric) {
			best = &rs[i]
		}
	}
	if best == nil {
		return Spec{}, errkind.NotFound("no default route")
	}
	return *best, nil
}

// Exists reports whether a route with the same key, gateway and dev exists.
func Exists(tg *target.Target, s Spec) bool {
	rs, err := List(tg, Filter{Table: tableOr(s.Table), Family: s.Family})
	if err != nil {
		return false
	}
	for _, r := range rs {
		if r.Dst == s.Dst && r.Metric == s.Metric && r.Gateway == s.Gateway && r.Dev == s.Dev {
			return true
		}
	}
	return false
}

func tableOr(t int) int {
	if t == 0 {
		return unix.RT_TABLE_MAIN
	}
	return t
}

// isGone reports the "already gone" answers an idempotent undo tolerates.
func isGone(err error) bool {
	var nl target.ErrNoLink
	return errors.Is(err, unix.ESRCH) || errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENODEV) || errors.As(err, &nl)
}

func maskLen(n *net.IPNet) int {
	ones, _ := n.Mask.Size()
	return ones
}

// Movables returns the admin routes through dev (see Movable): what the
// kernel drops with the device or its addresses and an undo must restore.
func Movables(tg *target.Target, dev string) ([]Spec, error) {
	rs, err := List(tg, Filter{Dev: dev})
	if err != nil {
		return nil, err
	}
	var out []Spec
	for _, r := range rs {
		if r.Movable() {
			out = append(out, r)
		}
	}
	return out, nil
}
