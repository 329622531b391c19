package nat

import (
	"rewire/bindings/target"
)

// Entry is one rule as list shows it.
type Entry struct {
	Family Family `json:"family"`
	Table  string `json:"table"`
	Chain  string `json:"chain"`
	Tag    string `json:"tag,omitempty"`
	Spec   string `json:"spec"`
}

// Columns is the order `print(nat.list())` lays the rules out in.
var Columns = []string{"family", "table", "chain", "tag", "spec"}

// List is `iptables-save` and `ip6tables-save` as rules: rewire's (those
// tagged rewire:...) or, with all, every rule of every table.
func List(tg *target.Target, all bool) ([]Entry, error) {
	var out []Entry
	for _, f := range []Family{IPv4, IPv6} {
		rs, err := load(tg, f)
		if err != nil {
			return nil, err
		}
		for _, r := range rs.all() {
			if all || r.Tag() != "" {
				out = append(out, Entry{Family: f, Table: r.Table, Chain: r.Chain, Tag: r.Tag(), Spec: r.Spec})
			}
		}
	}
	return out, nil
}
