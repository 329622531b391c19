// Package bridge creates and inspects Linux bridges (`ip link add type
// bridge`, `brctl show`, `bridge link`), every change journaled with its
// exact undo.
package bridge

import (
	"fmt"
	"net"
	"sort"

	"github.com/vishvananda/netlink"

	"rewire/bindings/errkind"
	"rewire/bindings/link"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

var createKind = tx.NewKind("bridge.create", func(tg *target.Target, c created) error {
	return deleteIfBridge(tg, c.Name)
}, tx.KindOptions[created]{Drift: func(tg *target.Target, c created) error {
	_, err := Get(tg, c.Name)
	return err
}})

// Info is one bridge as `brctl show` prints it.
type Info struct {
	Bridge     string   `json:"bridge"`
	ID         string   `json:"id"`
	STP        string   `json:"stp"` // yes/no, as brctl prints it
	Interfaces []string `json:"interfaces"`
	// ForwardDelay is in seconds, as brctl setfd and ifcfg's DELAY= take it.
	ForwardDelay int `json:"forward_delay"`
	Attrs        `json:"-"`
}

// Options are what Create sets; nil means the kernel's default.
type Options struct {
	STP          *bool  `json:"stp,omitempty"`
	ForwardDelay *int   `json:"forward_delay,omitempty"` // seconds
	MAC          string `json:"mac,omitempty"`
	MTU          int    `json:"mtu,omitempty"`
	Up           *bool  `json:"up,omitempty"` // default true
}

func (o Options) String() string {
	s := ""
	if o.STP != nil {
		s += map[bool]string{true: " stp on", false: " stp off"}[*o.STP]
	}
	if o.ForwardDelay != nil {
		s += fmt.Sprintf(" forward_delay %d", *o.ForwardDelay)
	}
	if o.MAC != "" {
		s += " mac " + o.MAC
	}
	if o.MTU != 0 {
		s += fmt.Sprintf(" mtu %d", o.MTU)
	}
	return s
}

// List is `brctl show`: every bridge, its id, STP state and ports.
func List(tg *target.Target) ([]Info, error) {
	links, err := link.List(tg)
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, l := range links {
		if l.Kind != "bridge" {
			continue
		}
		a, err := readAttrs(tg, l.Index)
		if err != nil {
			return nil, fmt.Errorf("bridge %s: %w", l.Name, err)
		}
		stp := "no"
		if a.STP {
			stp = "yes"
		}
		out = append(out, Info{Bridge: l.Name, ID: a.ID, STP: stp, Interfaces: nonNil(l.Slaves), ForwardDelay: a.ForwardDelay, Attrs: a})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Bridge < out[j].Bridge })
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Get returns one bridge; an interface that is not a bridge is an error.
func Get(tg *target.Target, name string) (Info, error) {
	l, err := link.Get(tg, name)
	if err != nil {
		return Info{}, err
	}
	if l.Kind != "bridge" {
		return Info{}, errkind.Invalid("%s is a %s, not a bridge", name, l.Kind)
	}
	a, err := readAttrs(tg, l.Index)
	if err != nil {
		return Info{}, err
	}
	return Info{Bridge: name, ID: a.ID, STP: map[bool]string{true: "yes", false: "no"}[a.STP], Interfaces: nonNil(l.Slaves),
		ForwardDelay: a.ForwardDelay, Attrs: a}, nil
}

// Ports is `bridge link show master BR`: the bridge's ports.
func Ports(tg *target.Target, name string) ([]string, error) {
	b, err := Get(tg, name)
	if err != nil {
		return nil, err
	}
	return b.Interfaces, nil
}

type created struct {
	Name string `json:"name"`
}

func init() {
	link.RegisterDeleter("bridge", Delete)
}

func deleteIfBridge(tg *target.Target, name string) error {
	l, err := tg.LinkByName(name)
	if err != nil {
		return nil // already gone
	}
	if l.Type() != "bridge" {
		return fmt.Errorf("%s is now a %s, not the bridge rewire created: left alone", name, l.Type())
	}
	h, err := tg.Handle()
	if err != nil {
		return err
	}
	return h.LinkDel(l)
}

// Create is `ip link add NAME type bridge [stp_state S] [forward_delay D]`
// plus `ip link set NAME address MAC up`.
func Create(s *tx.Session, name string, o Options) error {
	if err := (link.Settings{Name: &name}).Validate(); err != nil {
		return err
	}
	var mac net.HardwareAddr
	if o.MAC != "" {
		var err error
		if mac, err = net.ParseMAC(o.MAC); err != nil {
			return errkind.Invalid("bad MAC address %q", o.MAC)
		}
	}
	if o.ForwardDelay != nil && (*o.ForwardDelay < 0 || *o.ForwardDelay > 30) {
		return errkind.Invalid("bad forward_delay %d (0..30 seconds)", *o.ForwardDelay)
	}
	if link.Exists(s.Target, name) {
		return errkind.Exists("an interface named %s already exists", name)
	}
	return createKind.Apply(s, "link:"+name, "create bridge "+name+o.String(), created{Name: name}, func() error { return create(s.Target, name, mac, o) })
}

func create(tg *target.Target, name string, mac net.HardwareAddr, o Options) error {
	h, err := tg.Handle()
	if err != nil {
		return err
	}
	// NewLinkAttrs leaves the queue length to the kernel (1000, as with
	// `ip link add`); a zero LinkAttrs would set it to 0.
	attrs := netlink.NewLinkAttrs()
	attrs.Name, attrs.HardwareAddr, attrs.MTU = name, mac, o.MTU
	if err := h.LinkAdd(&netlink.Bridge{LinkAttrs: attrs}); err != nil {
		return err
	}
	l, err := h.LinkByName(name)
	if err != nil {
		return err
	}
	set := settings{STP: o.STP}
	if o.ForwardDelay != nil {
		cs := *o.ForwardDelay * userHZ
		set.ForwardDelayCS = &cs
	}
	if err := writeAttrs(tg, l.Attrs().Index, set); err != nil {
		return fmt.Errorf("bridge attributes: %w", err)
	}
	if o.Up == nil || *o.Up {
		return h.LinkSetUp(l)
	}
	return nil
}

// AddPort is `ip link set PORT master BR` (brctl addif).
func AddPort(s *tx.Session, br, port string) error {
	if _, err := Get(s.Target, br); err != nil {
		return err
	}
	p, err := link.Get(s.Target, port)
	if err != nil {
		return fmt.Errorf("%s: %w", port, err)
	}
	if p.Master == br {
		return nil
	}
	if p.Master != "" {
		return errkind.Exists("%s is already enslaved to %s", port, p.Master)
	}
	up := true
	return link.Set(s, port, link.Settings{Master: &br, Up: &up})
}

// RemovePort is `ip link set PORT nomaster` (brctl delif).
func RemovePort(s *tx.Session, br, port string) error {
	p, err := link.Get(s.Target, port)
	if err != nil {
		return fmt.Errorf("%s: %w", port, err)
	}
	if p.Master != br {
		return errkind.NotFound("%s is not a port of %s", port, br)
	}
	none := ""
	return link.Set(s, port, link.Settings{Master: &none})
}
