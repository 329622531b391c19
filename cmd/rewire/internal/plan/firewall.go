package plan

import (
	"regexp"
	"strings"

	"rewire/bindings/target"
)

// families are the iptables flavours a replica copies and a plan diffs.
var families = []struct{ save, restore string }{
	{"iptables-save", "iptables-restore"},
	{"ip6tables-save", "ip6tables-restore"},
}

// copyFirewall is `iptables-save | iptables-restore` (and ip6tables) from
// the original into the replica. A host without iptables has nothing to copy.
func (r *Replica) copyFirewall(tg *target.Target) error {
	for _, f := range families {
		out, err := tg.Run(nil, f.save)
		if err != nil {
			if strings.Contains(err.Error(), "not installed") {
				continue
			}
			return err
		}
		if len(ruleLines(string(out))) == 0 {
			continue
		}
		if _, err := r.Run(out, f.restore); err != nil {
			return err
		}
	}
	return nil
}

// rules is the replica's iptables-save of every family, comments dropped
// (they carry dates), "" when iptables is not installed.
func rules(tg *target.Target) string {
	var b strings.Builder
	for _, f := range families {
		out, err := tg.Run(nil, f.save)
		if err != nil {
			continue
		}
		for _, l := range ruleLines(string(out)) {
			b.WriteString(strings.TrimSuffix(f.save, "-save") + " " + counters.ReplaceAllString(l, "") + "\n")
		}
	}
	return b.String()
}

// counters are a chain's packet and byte counts, which traffic changes.
var counters = regexp.MustCompile(` \[\d+:\d+\]$`)

// ruleLines keeps the table, chain and rule lines of an iptables-save.
func ruleLines(save string) []string {
	var out []string
	for _, l := range strings.Split(save, "\n") {
		if l == "" || strings.HasPrefix(l, "#") || l == "COMMIT" {
			continue
		}
		out = append(out, l)
	}
	return out
}
