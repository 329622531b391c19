//go:build cgo

package persist

import (
	"sort"

	"rewire/bindings/tx"
	"rewire/bindings/virtnet"
)

// autostarts lists the libvirt networks the transaction defined or
// started and did not set autostart for itself, sorted.
func autostarts(sts []*tx.Step) []string {
	want, set := map[string]bool{}, map[string]bool{}
	for _, st := range sts {
		if n, ok := virtnet.Defined(st); ok {
			want[n] = true
		}
		if n, was, ok := virtnet.Started(st); ok && !was {
			want[n] = true
		}
		if n, ok := virtnet.AutostartSet(st); ok {
			set[n] = true
		}
	}
	var out []string
	for n := range want {
		if !set[n] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// saveAutostart marks each network autostart (journaled) where it is a
// persistent network that is not yet: what `virsh net-autostart` does.
func saveAutostart(s *tx.Session, names []string, dry bool) ([]Written, error) {
	var out []Written
	for _, n := range names {
		in, err := virtnet.Get(s.Target, n)
		if err != nil || !in.Persistent {
			continue // undefined again, or transient: nothing to start at boot
		}
		w := Written{Path: "network:" + n, Device: in.Bridge, Flavour: FlavourVirt, Action: "autostart"}
		if in.Autostart {
			w.Action = "unchanged"
		} else if !dry {
			if err := virtnet.SetAutostart(s, n, true); err != nil {
				return out, err
			}
		}
		out = append(out, w)
	}
	return out, nil
}
