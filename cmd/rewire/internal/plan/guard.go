package plan

import (
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/cmd/rewire/internal/guard"
)

// Guard says how the run would keep the change: at once, or
// confirm-or-revert, and why; and which automatic probes it would add.
type Guard struct {
	Armed   bool     `json:"confirm_or_revert"`
	Confirm string   `json:"confirm,omitempty"` // the deadline, e.g. "2m0s"
	Reason  string   `json:"reason"`
	Probes  []string `json:"probes,omitempty"` // required after the change if they answer before it
}

func (g Guard) String() string {
	if g.Armed {
		return fmt.Sprintf("%s: confirm-or-revert armed, %s", g.Reason, g.Confirm)
	}
	return g.Reason
}

// guardOf is what guard.Commit would decide for these steps: the admin
// sessions are the real target's (the replica has none).
func guardOf(tg *target.Target, steps []*tx.Step, o Options) Guard {
	if o.NoGuard {
		g := Guard{Reason: "off (--no-guard): no automatic probes, no automatic confirm-or-revert"}
		if o.Confirm > 0 {
			g.Armed, g.Confirm, g.Reason = true, o.Confirm.String(), "--confirm"
		}
		return g
	}
	sessions := guard.Sessions(tg)
	g := Guard{Probes: probesOf(tg, sessions)}
	reason, touched := guard.Touched(sessions, steps)
	switch {
	case o.Confirm > 0:
		g.Armed, g.Confirm, g.Reason = true, o.Confirm.String(), "--confirm"
		if touched {
			g.Reason = reason
		}
	case touched:
		g.Armed, g.Confirm, g.Reason = true, guard.DefaultConfirm.String(), reason
	case len(sessions) == 0:
		g.Reason = "no admin session into this host: commits once the checks pass"
	default:
		g.Reason = "no admin session runs over what this changes: commits once the checks pass"
	}
	return g
}

// probesOf names the automatic probes guard.Before would try: every
// default gateway, and each admin session's client.
func probesOf(tg *target.Target, sessions []guard.Session) []string {
	var out []string
	routes, _ := tg.RouteList(netlink.FAMILY_ALL, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	for _, r := range routes {
		if r.Gw != nil && (r.Dst == nil || isZero(r.Dst)) {
			out = append(out, "default gateway "+r.Gw.String()+" answers")
		}
	}
	for _, s := range sessions {
		out = append(out, "SSH client "+s.Client.String()+" is reachable")
	}
	return out
}

func isZero(n *net.IPNet) bool {
	ones, _ := n.Mask.Size()
	return ones == 0
}
