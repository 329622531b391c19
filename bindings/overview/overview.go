// Package overview is what an admin reads first on a KVM host (`rewire
// show`): bridges with their ports (`brctl show`), bonds with their
// active slave (/proc/net/bonding), every guest with its NICs (`virsh
// domiflist` + `domifaddr`), libvirt networks (`virsh net-list --all`),
// rewire's NAT rules, and transactions still open or pending. Read only;
// a part that cannot be read (libvirtd down) is named in Missing and the
// rest is shown.
package overview

import (
	"fmt"
	"sort"

	"rewire/bindings/bond"
	"rewire/bindings/domain"
	"rewire/bindings/nat"
	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/bindings/virtnet"
)

// Overview is the host at one moment.
type Overview struct {
	Host         string            `json:"host"`
	Bridges      []Bridge          `json:"bridges"`
	Bonds        []bond.Row        `json:"bonds"`
	Guests       []domain.Guest    `json:"guests"`
	Networks     []virtnet.Summary `json:"networks"`
	NAT          []nat.Entry       `json:"nat"`
	Transactions []Transaction     `json:"transactions"`
	Missing      []string          `json:"missing,omitempty"` // parts not read, and why
}

// Bridge is one bridge and its ports, as `brctl show` and `bridge link`.
type Bridge struct {
	Name  string `json:"name"`
	Up    bool   `json:"up"`
	Ports []Port `json:"ports"`
}

// Port is one bridge port; Guest names the guest whose NIC it is (a tap).
type Port struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Oper  string `json:"oper"`
	Guest string `json:"guest,omitempty"`
}

// Transaction is a transaction not yet ended (open or pending).
type Transaction struct {
	ID      string `json:"id"`
	State   string `json:"state"`
	Script  string `json:"script,omitempty"`
	Changes int    `json:"changes"`
}

// Read reads the overview of tg; st (may be nil) is rewire's state store.
func Read(tg *target.Target, st *tx.Store) (*Overview, error) {
	o := &Overview{Host: tg.Name, Bridges: []Bridge{}, Bonds: []bond.Row{}, Guests: []domain.Guest{},
		Networks: []virtnet.Summary{}, NAT: []nat.Entry{}, Transactions: []Transaction{}}
	links, err := dumpLinks(tg) // one netlink dump for bridges, ports and bonds
	if err != nil {
		return nil, err
	}
	if guests, err := domain.Guests(tg); err != nil {
		o.missing("guests", err)
	} else {
		o.Guests = guests
	}
	if nets, err := virtnet.List(tg); err != nil {
		o.missing("networks", err)
	} else {
		o.Networks = nets
	}
	o.Bridges = bridges(links, tapOwners(o.Guests))
	if hasKind(links, "bond") {
		if rows, err := bond.List(tg); err != nil {
			o.missing("bonds", err)
		} else {
			o.Bonds = rows
		}
	}
	if rules, err := nat.List(tg, false); err != nil {
		o.missing("nat", err)
	} else if rules != nil {
		o.NAT = rules
	}
	if st != nil {
		if all, err := st.List(); err != nil {
			o.missing("transactions", err)
		} else {
			for _, s := range all {
				if s.State == tx.StateOpen || s.State == tx.StatePending || s.State == tx.StateRollingBack {
					o.Transactions = append(o.Transactions, Transaction{ID: s.ID, State: s.State, Script: s.Script, Changes: len(s.Steps)})
				}
			}
		}
	}
	return o, nil
}

func (o *Overview) missing(part string, err error) {
	o.Missing = append(o.Missing, fmt.Sprintf("%s: %v", part, err))
}

// Bridges is the bridges part alone (`brctl show`): one netlink dump.
func Bridges(tg *target.Target) ([]Bridge, error) {
	links, err := dumpLinks(tg)
	if err != nil {
		return nil, err
	}
	return bridges(links, nil), nil
}

// bridges groups the links by their bridge master.
func bridges(links []linkRow, owner map[string]string) []Bridge {
	byIndex := map[int]*Bridge{}
	out := []Bridge{}
	for _, l := range links {
		if l.kind == "bridge" {
			out = append(out, Bridge{Name: l.name, Up: l.up, Ports: []Port{}})
		}
	}
	for i := range out {
		for _, l := range links {
			if l.name == out[i].Name {
				byIndex[l.index] = &out[i]
				break
			}
		}
	}
	for _, l := range links {
		if b := byIndex[l.master]; b != nil && l.master != 0 {
			b.Ports = append(b.Ports, Port{Name: l.name, Kind: l.kind, Oper: l.oper, Guest: owner[l.name]})
		}
	}
	for i := range out {
		ps := out[i].Ports
		sort.Slice(ps, func(a, b int) bool { return ps[a].Name < ps[b].Name })
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// tapOwners maps each running guest's tap to the guest.
func tapOwners(guests []domain.Guest) map[string]string {
	out := map[string]string{}
	for _, g := range guests {
		for _, n := range g.NICs {
			if n.Dev != "" {
				out[n.Dev] = g.Name
			}
		}
	}
	return out
}

func hasKind(links []linkRow, kind string) bool {
	for _, l := range links {
		if l.kind == kind {
			return true
		}
	}
	return false
}
