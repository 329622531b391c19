package persist

import (
	"encoding/json"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"rewire/bindings/tx"
)

// steps are the changes of the session's open transaction that stand
// (applied, not undone); a plan's are its planned steps.
func steps(s *tx.Session) []*tx.Step {
	var all []*tx.Step
	if t := s.Current(); t != nil {
		all = t.Steps()
	}
	var out []*tx.Step
	for _, st := range all {
		if st.Done && !st.Undone {
			out = append(out, st)
		}
	}
	return out
}

// touched names the devices the changes touched: every "link:NAME" and
// "addr:NAME:CIDR" object, and the devices of route changes.
func touched(sts []*tx.Step) []string {
	seen := map[string]bool{}
	for _, st := range sts {
		for _, obj := range append([]string{st.Obj}, st.Ends...) {
			kind, rest, _ := strings.Cut(obj, ":")
			switch kind {
			case "link":
				seen[rest] = true
			case "addr":
				dev, _, _ := strings.Cut(rest, ":")
				seen[dev] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// addrStep is what persist reads of an address change's journal record.
type addrStep struct {
	Dev   string `json:"dev"`
	Added *struct {
		CIDR   string `json:"cidr"`
		Family string `json:"family"`
		Flags  int    `json:"flags"`
	} `json:"added"`
}

// movedLeases are the IPv4 addresses the changes added that were leases
// where they came from (addr.move copies a lease as an address of the
// bridge, which the kernel then calls permanent): dev → CIDR set.
func movedLeases(sts []*tx.Step) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, st := range sts {
		if st.Kind != "addr.add" {
			continue
		}
		var a addrStep
		if json.Unmarshal(st.Data, &a) != nil || a.Added == nil {
			continue
		}
		if a.Added.Family == "inet" && a.Added.Flags&unix.IFA_F_PERMANENT == 0 {
			if out[a.Dev] == nil {
				out[a.Dev] = map[string]bool{}
			}
			out[a.Dev][a.Added.CIDR] = true
		}
	}
	return out
}

// sysctlStep is a sysctl change's journal record.
type sysctlStep struct {
	Key   string `json:"key"`
	After string `json:"after"`
}

// sysctls are the values the changes set, the last per key.
func sysctls(sts []*tx.Step) map[string]string {
	out := map[string]string{}
	for _, st := range sts {
		if st.Kind != "sysctl.set" {
			continue
		}
		var v sysctlStep
		if json.Unmarshal(st.Data, &v) == nil && v.Key != "" {
			out[v.Key] = v.After
		}
	}
	return out
}
