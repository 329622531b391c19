package guard

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/probe"
	"rewire/bindings/target"
)

// Check is one automatic probe: a default gateway answers, or the SSH
// client's address is reachable.
type Check struct {
	Name string // "default gateway 10.0.0.1 answers"
	IP   string
}

// Reachable is the automatic probes that held before a change; only
// these are required after it.
type Reachable struct {
	Checks []Check
}

// How hard the automatic probes try: enough for a bridge's port to start
// forwarding and a neighbour to be resolved again after a change.
var probeOpts = probe.Options{Timeout: time.Second, Count: 3}

// Baseline pings every default gateway of tg and the client of every
// admin session, and keeps those that answer — `ping -c3 GATEWAY`.
func Baseline(tg *target.Target) *Reachable {
	return baselineOf(tg, Sessions(tg))
}

func baselineOf(tg *target.Target, sessions []Session) *Reachable {
	b := &Reachable{}
	seen := map[string]bool{}
	for _, c := range candidates(tg, sessions) {
		if seen[c.IP] {
			continue
		}
		seen[c.IP] = true
		if ok, err := probe.Ping(tg, c.IP, probeOpts); ok && err == nil {
			b.Checks = append(b.Checks, c)
		}
	}
	return b
}

func candidates(tg *target.Target, sessions []Session) []Check {
	var out []Check
	routes, _ := tg.RouteList(netlink.FAMILY_ALL, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	for _, r := range routes {
		if isDefault(r.Dst) && r.Gw != nil {
			out = append(out, Check{Name: "default gateway " + r.Gw.String() + " answers", IP: r.Gw.String()})
		}
	}
	for _, s := range sessions {
		out = append(out, Check{Name: "SSH client " + s.Client.String() + " is reachable", IP: s.Client.String()})
	}
	return out
}

// Verify pings again what answered in b; an error lists what no longer does.
func Verify(tg *target.Target, b *Reachable) error {
	if b == nil {
		return nil
	}
	var lost []string
	for _, c := range b.Checks {
		if ok, err := probe.Ping(tg, c.IP, probeOpts); !ok || err != nil {
			lost = append(lost, c.Name)
		}
	}
	if len(lost) > 0 {
		return fmt.Errorf("held before the change, not after: %s", strings.Join(lost, "; "))
	}
	return nil
}

// String lists the probes, for a plan or a run's log.
func (b *Reachable) String() string {
	if b == nil || len(b.Checks) == 0 {
		return "no automatic probes (nothing answered before the change)"
	}
	names := make([]string, len(b.Checks))
	for i, c := range b.Checks {
		names[i] = c.Name
	}
	return "automatic probes: " + strings.Join(names, "; ")
}

// isDefault: netlink reports a default route's destination as nil or as
// 0.0.0.0/0 (::/0), depending on its version.
func isDefault(dst *net.IPNet) bool {
	if dst == nil {
		return true
	}
	ones, _ := dst.Mask.Size()
	return ones == 0
}
