package bond

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"rewire/bindings/addr"
	"rewire/bindings/errkind"
	"rewire/bindings/handover"
	"rewire/bindings/link"
	"rewire/bindings/route"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

var addSlaveKind = tx.NewKind("bond.add_slave", func(tg *target.Target, u slaveUndo) error {
	return release(tg, u)
}, tx.KindOptions[slaveUndo]{Drift: func(tg *target.Target, u slaveUndo) error {
	in, err := link.Get(tg, u.Before.Name)
	if err != nil {
		return fmt.Errorf("slave %s: %w", u.Before.Name, err)
	}
	if in.Master != u.Bond {
		return fmt.Errorf("%s is no longer a slave of %s", u.Before.Name, u.Bond)
	}
	return nil
}})

var removeSlaveKind = tx.NewKind("bond.remove_slave", func(tg *target.Target, u releaseUndo) error {
	if err := enslave(tg, u.Bond, u.Slave.Name); err != nil {
		return err
	}
	return link.Restore(tg, u.Slave.Name, u.Slave)
}, tx.KindOptions[releaseUndo]{})

// slaveUndo is a slave as it was before enslaving: its own MAC, MTU and
// state, addresses and routes, which releasing it must give back.
type slaveUndo struct {
	Bond   string       `json:"bond"`
	Before link.State   `json:"before"`
	Addrs  []addr.Spec  `json:"addrs"`
	Routes []route.Spec `json:"routes"`
}

// releaseUndo is a slave as it was inside its bond.
type releaseUndo struct {
	Bond  string     `json:"bond"`
	Slave link.State `json:"slave"`
}

// checkSlave says why slave cannot join bond, if it cannot; it returns
// the slave's state otherwise.
func checkSlave(tg *target.Target, bond, slave string) (link.Info, error) {
	in, err := link.Get(tg, slave)
	if err != nil {
		return in, fmt.Errorf("slave %s: %w", slave, err)
	}
	switch {
	case slave == bond:
		return in, errkind.Invalid("%s cannot be a slave of itself", slave)
	case in.Master == bond:
		return in, nil
	case in.Master != "":
		return in, errkind.Exists("slave %s already belongs to %s", slave, in.Master)
	case in.Kind == "bridge" || in.Kind == "bond" || slave == "lo":
		return in, errkind.Invalid("a %s (%s) cannot be a bond slave", in.Kind, slave)
	}
	// The slave goes down to be enslaved and its IP configuration would
	// be lost or stranded: it has to move somewhere first.
	as, err := addr.List(tg, slave)
	if err != nil {
		return in, err
	}
	var held []string
	for _, a := range as {
		if a.Global() {
			held = append(held, a.CIDR)
		}
	}
	if def, err := route.Default(tg); err == nil && def.Dev == slave {
		held = append(held, "the default route via "+def.Gateway)
	}
	if len(held) > 0 {
		return in, errkind.Invalid("slave %s carries %s: move it to the bond or a bridge above it first (addr.move)", slave, strings.Join(held, " and "))
	}
	return in, nil
}

// AddSlave is `ip link set SLAVE down; ip link set SLAVE master BOND; ip
// link set SLAVE up` (ifenslave BOND SLAVE), its network manager handed off
// first (handover.Claim). Rollback releases it, gives back its own MAC,
// MTU, state, addresses and routes, and then the slave to its manager.
func AddSlave(s *tx.Session, bond, slave string) error {
	if _, err := getBond(s.Target, bond); err != nil {
		return fmt.Errorf("bond %s: %w", bond, err)
	}
	if err := Supported(); err != nil {
		return err
	}
	in, err := checkSlave(s.Target, bond, slave)
	if err != nil || in.Master == bond {
		return err
	}
	// The slave changes hands: its manager lets go first (as link.set
	// master does), so it neither fights the bond nor keeps configuring
	// the slave; rollback gives it back.
	if err := handover.Claim(s, slave); err != nil {
		return err
	}
	if in, err = checkSlave(s.Target, bond, slave); err != nil {
		return err
	}
	if err := takeFirstSlaveMAC(s, bond, in); err != nil {
		return err
	}
	u := slaveUndo{Bond: bond, Before: link.State{Name: in.Name, Up: in.Up, MTU: in.MTU, MAC: in.MAC}}
	if u.Addrs, u.Routes, err = addr.Snapshot(s.Target, slave); err != nil {
		return err
	}
	settleFlux(s.Target, slave)
	return addSlaveKind.Apply(s, "link:"+slave, fmt.Sprintf("enslave %s to bond %s", slave, bond), u, func() error { return enslave(s.Target, bond, slave) })
}

// enslave puts slave into bond (down first, as the kernel wants) and
// brings it up; already there is fine.
func enslave(tg *target.Target, bond, slave string) error {
	h, err := tg.Handle()
	if err != nil {
		return err
	}
	l, err := tg.LinkByName(slave)
	if err != nil {
		return fmt.Errorf("slave %s: %w", slave, err)
	}
	b, err := getBond(tg, bond)
	if err != nil {
		return fmt.Errorf("bond %s: %w", bond, err)
	}
	if l.Attrs().MasterIndex != b.Attrs().Index {
		if l.Attrs().Flags&net.FlagUp != 0 {
			if err := h.LinkSetDown(l); err != nil {
				return fmt.Errorf("down %s: %w", slave, err)
			}
		}
		if err := h.LinkSetMasterByIndex(l, b.Attrs().Index); err != nil {
			return fmt.Errorf("enslave %s to %s: %w", slave, bond, err)
		}
	}
	if err := h.LinkSetUp(l); err != nil {
		return fmt.Errorf("up %s: %w", slave, err)
	}
	return nil
}

// release undoes an enslave: out of the bond, then the slave's own MAC,
// MTU and state, addresses and routes back. A slave that is gone is gone.
func release(tg *target.Target, u slaveUndo) error {
	l, err := tg.LinkByName(u.Before.Name)
	if err != nil {
		var nl target.ErrNoLink
		if errors.As(err, &nl) {
			return nil
		}
		return err
	}
	if mi := l.Attrs().MasterIndex; mi != 0 {
		if m, err := tg.LinkByIndex(mi); err == nil && m.Attrs().Name == u.Bond {
			h, err := tg.Handle()
			if err != nil {
				return err
			}
			if err := h.LinkSetNoMaster(l); err != nil {
				return fmt.Errorf("release %s from %s: %w", u.Before.Name, u.Bond, err)
			}
		}
	}
	if err := link.Restore(tg, u.Before.Name, u.Before); err != nil {
		return err
	}
	var global []addr.Spec
	for _, a := range u.Addrs {
		// Link-local addresses come back by themselves when the link is up.
		if a.Global() {
			global = append(global, a)
		}
	}
	return addr.Restore(tg, u.Before.Name, global, u.Routes)
}

// RemoveSlave is `ip link set SLAVE nomaster` (ifenslave -d BOND SLAVE):
// the kernel gives the slave back its own MAC and MTU; it stays up if it
// was. Rollback enslaves it again.
func RemoveSlave(s *tx.Session, bond, slave string) error {
	if _, err := getBond(s.Target, bond); err != nil {
		return fmt.Errorf("bond %s: %w", bond, err)
	}
	in, err := link.Get(s.Target, slave)
	if err != nil {
		return fmt.Errorf("slave %s: %w", slave, err)
	}
	if in.Master != bond {
		return errkind.NotFound("%s is not a slave of %s", slave, bond)
	}
	st := link.State{Name: in.Name, Up: in.Up, MTU: in.MTU, MAC: in.MAC, Master: in.Master}
	return removeSlaveKind.Apply(s, "link:"+slave, fmt.Sprintf("release %s from bond %s", slave, bond), releaseUndo{Bond: bond, Slave: st}, func() error {
		h, err := s.Target.Handle()
		if err != nil {
			return err
		}
		l, err := s.Target.LinkByName(slave)
		if err != nil {
			return err
		}
		if err := h.LinkSetNoMaster(l); err != nil {
			return fmt.Errorf("release %s from %s: %w", slave, bond, err)
		}
		if in.Up {
			return h.LinkSetUp(l)
		}
		return nil
	})
}

// takeFirstSlaveMAC gives an empty bond its first slave's MAC as its own
// journaled change, as the kernel would silently do: the bond's link then
// looks the way the transaction says it left it, so drift checks and the
// undo of the bond's other changes stay exact.
func takeFirstSlaveMAC(s *tx.Session, bond string, slave link.Info) error {
	b, err := link.Get(s.Target, bond)
	if err != nil {
		return err
	}
	if len(b.Slaves) > 0 || b.MAC == slave.MAC {
		return nil
	}
	mac := slave.MAC
	return link.Set(s, bond, link.Settings{MAC: &mac})
}
