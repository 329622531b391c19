// Package bond creates, changes and inspects Linux bonds (`ip link add
// type bond`, ifenslave, /proc/net/bonding), every change journaled with
// its exact undo — slaves included: releasing one gives back its own MAC,
// MTU, state, addresses and routes.
package bond

import (
	"fmt"
	"net"

	"github.com/vishvananda/netlink"

	"rewire/bindings/addr"
	"rewire/bindings/errkind"
	"rewire/bindings/link"
	"rewire/bindings/route"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

var createKind = tx.NewKind("bond.create", func(tg *target.Target, c created) error {
	return deleteIfBond(tg, c.Name)
}, tx.KindOptions[created]{Drift: func(tg *target.Target, c created) error {
	_, err := getBond(tg, c.Name)
	return err
}})

var deleteKind = tx.NewKind("bond.delete", recreate, tx.KindOptions[deleted]{})

// CreateOptions are Create's options: the bond's, its slaves, and whether
// it comes up (default true).
type CreateOptions struct {
	Options
	Slaves []string
	Up     *bool
}

type created struct {
	Name string `json:"name"`
}

func init() {
	link.RegisterDeleter("bond", Delete)
}

// deleteIfBond is the undo of a create: a bond of that name goes (the
// kernel releases whatever slaves it still has); anything else is left.
func deleteIfBond(tg *target.Target, name string) error {
	l, err := tg.LinkByName(name)
	if err != nil {
		return nil // already gone
	}
	if _, ok := l.(*netlink.Bond); !ok {
		return fmt.Errorf("%s is now a %s, not the bond rewire created: left alone", name, kindOf(l))
	}
	h, err := tg.Handle()
	if err != nil {
		return err
	}
	return h.LinkDel(l)
}

// Create is `ip link add NAME type bond mode M miimon N ...` followed by
// `ip link set SLAVE master NAME` for each slave and `ip link set NAME up`.
// Everything is checked before anything changes: a bad option, an
// existing name, a kernel without bonding, a missing slave or one already
// taken (input errors first, so their kind is the input's).
func Create(s *tx.Session, name string, o CreateOptions) error {
	if err := (link.Settings{Name: &name}).Validate(); err != nil {
		return err
	}
	if link.Exists(s.Target, name) {
		return errkind.Exists("an interface named %s already exists", name)
	}
	mode := "balance-rr"
	if err := o.Options.validate(mode); err != nil {
		return err
	}
	final := Config{Mode: mode}.apply(o.Options)
	if err := checkDelays(final); err != nil {
		return err
	}
	for i, sl := range o.Slaves {
		for _, prev := range o.Slaves[:i] {
			if prev == sl {
				return errkind.Invalid("slave %s is listed twice", sl)
			}
		}
	}
	if o.Primary != nil && *o.Primary != "" && indexOf(o.Slaves, *o.Primary) < 0 {
		return errkind.Invalid("primary %s is not one of the slaves %v", *o.Primary, o.Slaves)
	}
	if err := Supported(); err != nil {
		return err
	}
	for _, sl := range o.Slaves {
		if _, err := checkSlave(s.Target, name, sl); err != nil {
			return err
		}
	}
	create := o.Options
	create.Primary = nil // the primary must be a slave first
	err := createKind.Apply(s, "link:"+name, fmt.Sprintf("create bond %s %s", name, create), created{Name: name}, func() error { return add(s.Target, name, final, create, nil) })
	if err != nil {
		return err
	}
	for _, sl := range o.Slaves {
		if err := AddSlave(s, name, sl); err != nil {
			return err
		}
	}
	if o.Primary != nil && *o.Primary != "" {
		if err := Set(s, name, Options{Primary: o.Primary}); err != nil {
			return err
		}
	}
	if o.Up == nil || *o.Up {
		up := true
		return link.Set(s, name, link.Settings{Up: &up})
	}
	return nil
}

// checkDelays refuses delays the kernel would refuse or round.
func checkDelays(c Config) error {
	for _, d := range []struct {
		name string
		v    int
	}{{"updelay", c.UpDelay}, {"downdelay", c.DownDelay}} {
		if d.v == 0 {
			continue
		}
		if c.Miimon == 0 {
			return errkind.Invalid("%s %d needs MII monitoring (set miimon)", d.name, d.v)
		}
		if d.v%c.Miimon != 0 {
			return errkind.Invalid("%s %d is not a multiple of miimon %d", d.name, d.v, c.Miimon)
		}
	}
	return nil
}

// add makes the bond with the options in o (down, without slaves), as
// `ip link add` does, then sets the link attributes of st if given.
func add(tg *target.Target, name string, final Config, o Options, st *link.State) error {
	h, err := tg.Handle()
	if err != nil {
		return err
	}
	attrs := netlink.NewLinkAttrs()
	attrs.Name = name
	if st != nil {
		attrs.MTU = st.MTU
		attrs.HardwareAddr, _ = net.ParseMAC(st.MAC)
	}
	b := netlink.NewLinkBond(attrs)
	if o.Mode != nil {
		b.Mode = netlink.BondMode(indexOf(Modes, final.Mode))
	}
	if o.Miimon != nil {
		b.Miimon = final.Miimon
	}
	if o.UpDelay != nil {
		b.UpDelay = final.UpDelay
	}
	if o.DownDelay != nil {
		b.DownDelay = final.DownDelay
	}
	if o.LacpRate != nil && *o.LacpRate != "" {
		b.LacpRate = netlink.BondLacpRate(indexOf(LacpRates, final.LacpRate))
	}
	if o.XmitHashPolicy != nil && *o.XmitHashPolicy != "" {
		b.XmitHashPolicy = netlink.BondXmitHashPolicy(indexOf(HashPolicies, final.XmitHashPolicy))
	}
	if err := h.LinkAdd(b); err != nil {
		return fmt.Errorf("create bond %s: %w", name, err)
	}
	return nil
}

// deleted is everything a deleted bond had that its undo recreates.
type deleted struct {
	Name   string       `json:"name"`
	Config Config       `json:"config"`
	Link   link.State   `json:"link"`
	Slaves []string     `json:"slaves"`
	Addrs  []addr.Spec  `json:"addrs"`
	Routes []route.Spec `json:"routes"`
}

// Delete is `ip link delete BOND type bond`: the kernel releases its
// slaves; rollback recreates it with its options, slaves, MAC, master,
// addresses and routes.
func Delete(s *tx.Session, name string) error {
	b, err := getBond(s.Target, name)
	if err != nil {
		return err
	}
	in, err := link.Get(s.Target, name)
	if err != nil {
		return err
	}
	d := deleted{Name: name, Config: readConfig(s.Target, b), Slaves: in.Slaves,
		Link: link.State{Name: in.Name, Up: in.Up, MTU: in.MTU, MAC: in.MAC, Master: in.Master}}
	if d.Addrs, d.Routes, err = addr.Snapshot(s.Target, name); err != nil {
		return err
	}
	return s.Apply(deleteKind.Change("link:"+name, "delete bond "+name, d, func() error { return deleteIfBond(s.Target, name) }).Ending(append(addr.Objects(d.Addrs, d.Routes), "bond:"+name)))
}

func recreate(tg *target.Target, d deleted) error {
	if _, err := tg.LinkByName(d.Name); err != nil {
		o := d.Config.Options()
		o.Primary = nil
		if d.Config.Mode != "802.3ad" {
			o.LacpRate = nil // the kernel takes it in 802.3ad only
		}
		if err := add(tg, d.Name, d.Config, o, &d.Link); err != nil {
			return err
		}
	}
	for _, sl := range d.Slaves {
		if err := enslave(tg, d.Name, sl); err != nil {
			return err
		}
	}
	if err := writeConfig(tg, d.Name, d.Config); err != nil {
		return err
	}
	if err := link.Restore(tg, d.Name, d.Link); err != nil {
		return err
	}
	return addr.Restore(tg, d.Name, d.Addrs, d.Routes)
}
