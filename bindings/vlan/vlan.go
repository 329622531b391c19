// Package vlan creates and deletes 802.1Q VLAN interfaces (`ip link add
// link PARENT name NAME type vlan id ID`, vconfig), every change journaled
// with its exact undo.
package vlan

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/addr"
	"rewire/bindings/errkind"
	"rewire/bindings/link"
	"rewire/bindings/route"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

var createKind = tx.NewKind("vlan.create", func(tg *target.Target, c created) error {
	return deleteIfVLAN(tg, c.Name)
}, tx.KindOptions[created]{Drift: func(tg *target.Target, c created) error {
	_, err := Get(tg, c.Name)
	return err
}})

var deleteKind = tx.NewKind("vlan.delete", recreate, tx.KindOptions[deleted]{})

// ErrNoVLAN is what a VLAN change returns, before touching anything, on a
// kernel built without 802.1Q support.
var ErrNoVLAN = errors.New("this kernel has no 802.1Q VLAN support (CONFIG_VLAN_8021Q)")

// Supported reports whether the kernel can make VLAN interfaces: 8021q is
// loaded or built in, or installed for the kernel to load on demand.
func Supported() error {
	if _, err := os.Stat("/sys/module/8021q"); err == nil {
		return nil
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		dir := filepath.Join("/lib/modules", unix.ByteSliceToString(u.Release[:]))
		for _, f := range []string{"modules.builtin", "modules.dep"} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err == nil && strings.Contains(string(b), "/8021q.ko") {
				return nil
			}
		}
	}
	return ErrNoVLAN
}

// Info is one VLAN interface, as `ip -d link show type vlan` shows it.
type Info struct {
	Name   string `json:"name"`
	Parent string `json:"parent"`
	ID     int    `json:"id"`
	MTU    int    `json:"mtu"`
	MAC    string `json:"mac"`
	Up     bool   `json:"up"`
	Master string `json:"master,omitempty"`
}

// Options are Create's: the interface's name (default PARENT.ID) and
// whether it comes up (default true).
type Options struct {
	Name string
	Up   *bool
}

// List is `ip -d link show type vlan`.
func List(tg *target.Target) ([]Info, error) {
	links, err := tg.LinkList()
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, l := range links {
		if v, ok := l.(*netlink.Vlan); ok {
			out = append(out, infoOf(tg, v))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func infoOf(tg *target.Target, v *netlink.Vlan) Info {
	a := v.Attrs()
	in := Info{Name: a.Name, ID: v.VlanId, MTU: a.MTU, MAC: a.HardwareAddr.String(), Up: a.Flags&net.FlagUp != 0}
	if p, err := tg.LinkByIndex(a.ParentIndex); err == nil {
		in.Parent = p.Attrs().Name
	}
	if a.MasterIndex != 0 {
		if m, err := tg.LinkByIndex(a.MasterIndex); err == nil {
			in.Master = m.Attrs().Name
		}
	}
	return in
}

// Get is `ip -d link show NAME` of a VLAN interface.
func Get(tg *target.Target, name string) (Info, error) {
	l, err := tg.LinkByName(name)
	if err != nil {
		return Info{}, err
	}
	v, ok := l.(*netlink.Vlan)
	if !ok {
		return Info{}, errkind.Invalid("%s is a %s, not a VLAN", name, link.Kind(l))
	}
	return infoOf(tg, v), nil
}

type created struct {
	Name string `json:"name"`
}

// deleted is what a deleted VLAN had that its undo recreates.
type deleted struct {
	Info   Info         `json:"info"`
	Addrs  []addr.Spec  `json:"addrs"`
	Routes []route.Spec `json:"routes"`
}

func init() {
	link.RegisterDeleter("vlan", Delete)
}

func deleteIfVLAN(tg *target.Target, name string) error {
	l, err := tg.LinkByName(name)
	if err != nil {
		return nil // already gone
	}
	if _, ok := l.(*netlink.Vlan); !ok {
		return fmt.Errorf("%s is now a %s, not the VLAN rewire created: left alone", name, link.Kind(l))
	}
	h, err := tg.Handle()
	if err != nil {
		return err
	}
	return h.LinkDel(l)
}

// Create is `ip link add link PARENT name NAME type vlan id ID` and
// `ip link set NAME up`.
func Create(s *tx.Session, parent string, id int, o Options) error {
	if id < 1 || id > 4094 {
		return errkind.Invalid("bad VLAN id %d (1..4094)", id)
	}
	name := o.Name
	if name == "" {
		name = fmt.Sprintf("%s.%d", parent, id)
	}
	if err := (link.Settings{Name: &name}).Validate(); err != nil {
		return err
	}
	p, err := link.Get(s.Target, parent)
	if err != nil {
		return fmt.Errorf("parent %s: %w", parent, err)
	}
	up := o.Up == nil || *o.Up
	if up && !p.Up {
		return errkind.Invalid("parent %s is down, so %s could not come up: bring %s up first, or create it with up=false", parent, name, parent)
	}
	if link.Exists(s.Target, name) {
		return errkind.Exists("an interface named %s already exists", name)
	}
	if err := Supported(); err != nil {
		return err
	}
	all, err := List(s.Target)
	if err != nil {
		return err
	}
	for _, v := range all {
		if v.Parent == parent && v.ID == id {
			return errkind.Exists("VLAN %d on %s already exists as %s", id, parent, v.Name)
		}
	}
	return createKind.Apply(s, "link:"+name, fmt.Sprintf("create vlan %s (id %d on %s)", name, id, parent), created{Name: name}, func() error {
		return add(s.Target, Info{Name: name, Parent: parent, ID: id, MTU: 0, Up: up}, p.Index)
	})
}

func add(tg *target.Target, in Info, parentIndex int) error {
	h, err := tg.Handle()
	if err != nil {
		return err
	}
	attrs := netlink.NewLinkAttrs()
	attrs.Name, attrs.ParentIndex, attrs.MTU = in.Name, parentIndex, in.MTU
	if in.MAC != "" {
		attrs.HardwareAddr, _ = net.ParseMAC(in.MAC)
	}
	if err := h.LinkAdd(&netlink.Vlan{LinkAttrs: attrs, VlanId: in.ID, VlanProtocol: netlink.VLAN_PROTOCOL_8021Q}); err != nil {
		return fmt.Errorf("create vlan %s: %w", in.Name, err)
	}
	if !in.Up {
		return nil
	}
	l, err := h.LinkByName(in.Name)
	if err != nil {
		return err
	}
	return h.LinkSetUp(l)
}

// Delete is `ip link delete NAME` of a VLAN interface; rollback recreates
// it with its MAC, MTU, master, addresses and routes.
func Delete(s *tx.Session, name string) error {
	in, err := Get(s.Target, name)
	if err != nil {
		return err
	}
	d := deleted{Info: in}
	if d.Addrs, d.Routes, err = addr.Snapshot(s.Target, name); err != nil {
		return err
	}
	return s.Apply(deleteKind.Change("link:"+name, "delete vlan "+name, d, func() error { return deleteIfVLAN(s.Target, name) }).Ending(addr.Objects(d.Addrs, d.Routes)))
}

func recreate(tg *target.Target, d deleted) error {
	in := d.Info
	if _, err := tg.LinkByName(in.Name); err != nil {
		p, err := tg.LinkByName(in.Parent)
		if err != nil {
			return fmt.Errorf("recreate vlan %s: parent %s: %w", in.Name, in.Parent, err)
		}
		down := in
		down.Up = false
		if err := add(tg, down, p.Attrs().Index); err != nil {
			return err
		}
	}
	st := link.State{Name: in.Name, Up: in.Up, MTU: in.MTU, MAC: in.MAC, Master: in.Master}
	if err := link.Restore(tg, in.Name, st); err != nil {
		return err
	}
	return addr.Restore(tg, in.Name, d.Addrs, d.Routes)
}
