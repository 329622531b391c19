// Package link reads and changes network interfaces (`ip link`), every
// change through the transaction core with its exact undo.
package link

import (
	"fmt"
	"net"
	"sort"

	"github.com/vishvananda/netlink"

	"rewire/bindings/target"
)

// Info is one interface as `ip -d link show` describes it.
type Info struct {
	Name   string   `json:"name"`
	Index  int      `json:"index"`
	Kind   string   `json:"kind"` // bridge, veth, bond, device, tuntap, ...
	MTU    int      `json:"mtu"`
	MAC    string   `json:"mac"`
	Up     bool     `json:"up"`
	Oper   string   `json:"oper"` // operational state: up, down, unknown, lowerlayerdown
	Master string   `json:"master,omitempty"`
	Slaves []string `json:"slaves,omitempty"`
}

// Kind names a link's type as `ip -d link` does ("device" for a plain NIC).
func Kind(l netlink.Link) string {
	t := l.Type()
	if t == "" {
		return "device"
	}
	return t
}

func infoOf(l netlink.Link, byIndex map[int]netlink.Link, slaves map[int][]string) Info {
	a := l.Attrs()
	in := Info{Name: a.Name, Index: a.Index, Kind: Kind(l), MTU: a.MTU, MAC: a.HardwareAddr.String(),
		Up: a.Flags&net.FlagUp != 0, Oper: a.OperState.String(), Slaves: slaves[a.Index]}
	if m, ok := byIndex[a.MasterIndex]; ok && a.MasterIndex != 0 {
		in.Master = m.Attrs().Name
	}
	return in
}

// List is `ip -d link show`: every interface, ordered by index.
func List(tg *target.Target) ([]Info, error) {
	links, err := tg.LinkList()
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	byIndex := make(map[int]netlink.Link, len(links))
	slaves := map[int][]string{}
	for _, l := range links {
		a := l.Attrs()
		byIndex[a.Index] = l
		if a.MasterIndex != 0 {
			slaves[a.MasterIndex] = append(slaves[a.MasterIndex], a.Name)
		}
	}
	for _, s := range slaves {
		sort.Strings(s)
	}
	out := make([]Info, 0, len(links))
	for _, l := range links {
		out = append(out, infoOf(l, byIndex, slaves))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, nil
}

// Get is `ip -d link show NAME`.
func Get(tg *target.Target, name string) (Info, error) {
	all, err := List(tg)
	if err != nil {
		return Info{}, err
	}
	for _, in := range all {
		if in.Name == name {
			return in, nil
		}
	}
	return Info{}, target.ErrNoLink{Name: name}
}

// Exists reports whether an interface of that name exists.
func Exists(tg *target.Target, name string) bool {
	_, err := tg.LinkByName(name)
	return err == nil
}
