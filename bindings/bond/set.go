package bond

import (
	"fmt"

	"rewire/bindings/errkind"
	"rewire/bindings/link"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

var setKind = tx.NewKind("bond.set", func(tg *target.Target, u setUndo) error {
	if _, err := tg.LinkByName(u.Name); err != nil {
		return nil // already gone
	}
	return writeConfig(tg, u.Name, u.Before)
}, tx.KindOptions[setUndo]{Drift: func(tg *target.Target, u setUndo) error {
	b, err := getBond(tg, u.Name)
	if err != nil {
		return fmt.Errorf("bond %s: %w", u.Name, err)
	}
	if now := readConfig(tg, b); now != u.After {
		return fmt.Errorf("bond %s is %+v, the transaction left %+v", u.Name, now, u.After)
	}
	return nil
}})

type setUndo struct {
	Name   string `json:"name"`
	Before Config `json:"before"`
	After  Config `json:"after"`
}

// Set is `ip link set BOND type bond mode M miimon N ...`: changes only
// the given options. Changing the mode needs a bond without slaves (as
// the kernel does); a bond that is up is taken down around it and back up.
func Set(s *tx.Session, name string, o Options) error {
	b, err := getBond(s.Target, name)
	if err != nil {
		return err
	}
	if err := Supported(); err != nil {
		return err
	}
	before := readConfig(s.Target, b)
	if err := o.validate(before.Mode); err != nil {
		return err
	}
	after := before.apply(o)
	if after.Mode != before.Mode {
		if in, err := link.Get(s.Target, name); err == nil && len(in.Slaves) > 0 {
			return errkind.Invalid("cannot change the mode of %s while it has slaves %v: remove them first", name, in.Slaves)
		}
		if !usesPrimary(after.Mode) {
			after.Primary = ""
		}
	}
	if err := checkDelays(after); err != nil {
		return err
	}
	if o.Primary != nil && *o.Primary != "" {
		in, err := link.Get(s.Target, *o.Primary)
		if err != nil {
			return fmt.Errorf("primary %s: %w", *o.Primary, err)
		}
		if in.Master != name {
			return errkind.Invalid("primary %s is not a slave of %s", *o.Primary, name)
		}
	}
	if after == before {
		return nil
	}
	return setKind.Apply(s, "bond:"+name, fmt.Sprintf("set bond %s %s", name, o), setUndo{Name: name, Before: before, After: after}, func() error { return writeConfig(s.Target, name, after) })
}
