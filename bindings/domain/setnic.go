package domain

import (
	"fmt"

	"libvirt.org/go/libvirtxml"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/bindings/virtnet"
	"rewire/lua/engine"
)

// SetInterface is SetNIC for the NIC with mac.
func SetInterface(s *tx.Session, name, mac string, src Source, sc Scope) error {
	return SetNIC(s, name, NICRef{MAC: mac}, src, sc)
}

// SetNIC is the S2 re-point: `virsh update-device NAME nic.xml --live`
// and/or, for --config, the persistent XML with only that NIC's element
// edited, defined again. The NIC keeps its MAC, model, PCI address and
// every other element; only its type and source change. Afterwards the
// persistent XML must differ from before in that NIC only, or the change
// is undone. Rollback restores the old live device and the exact old
// persistent XML.
func SetNIC(s *tx.Session, name string, ref NICRef, src Source, sc Scope) error {
	ref, sc, err := checkNIC(s, newNICChecks(), name, ref, src, sc)
	if err != nil {
		return err
	}
	_, err = setGuestNICs(s, name, []NICChange{{Domain: name, NIC: ref, Source: src, Scope: sc}}, func() bool { return false })
	return err
}

// checkNIC is SetNIC's check of its input: the NIC named, the source
// valid and there, the scope resolved against the guest's state. m
// remembers what it asked of libvirt and the target for the rest of a
// batch.
func checkNIC(s *tx.Session, m *nicChecks, name string, ref NICRef, src Source, sc Scope) (NICRef, Scope, error) {
	ref, err := ref.normalize()
	if err != nil {
		return ref, sc, err
	}
	if err := src.Validate(); err != nil {
		return ref, sc, err
	}
	st, err := m.status(s, name)
	if err != nil {
		return ref, sc, err
	}
	if sc, err = sc.resolve(name, st); err != nil {
		return ref, sc, err
	}
	return ref, sc, m.source(s, src, sc)
}

// nicChecks is what a batch's checks found out: each guest's state and
// each source's verdict, asked once (a list of 200 NICs over 10 guests
// and one bridge asks 10 guests and one bridge).
type nicChecks struct {
	guests  map[string]status
	sources map[sourceCheck]error
}

type sourceCheck struct {
	typ, source string
	live        bool
}

func newNICChecks() *nicChecks {
	return &nicChecks{guests: map[string]status{}, sources: map[sourceCheck]error{}}
}

func (m *nicChecks) status(s *tx.Session, name string) (status, error) {
	if st, ok := m.guests[name]; ok {
		return st, nil
	}
	d, err := Lookup(s.Target, name)
	if err != nil {
		return status{}, err
	}
	defer d.Free()
	st := statusOf(d)
	m.guests[name] = st
	return st, nil
}

func (m *nicChecks) source(s *tx.Session, src Source, sc Scope) error {
	k := sourceCheck{src.Type, src.Source, sc.Live}
	if err, ok := m.sources[k]; ok {
		return err
	}
	err := checkSource(s, src, sc)
	m.sources[k] = err
	return err
}

// checkSource refuses a NIC source that does not exist at this point of
// the transaction: a bridge missing from the target's namespace (the
// guest would refuse to start), or an unknown (or, for live, inactive)
// libvirt network. A dry run cannot know what earlier steps would create.
func checkSource(s *tx.Session, src Source, sc Scope) error {
	if s.DryRun {
		return nil
	}
	switch src.Type {
	case "bridge":
		l, err := s.Target.LinkByName(src.Source)
		if err != nil {
			if _, ok := err.(target.ErrNoLink); ok {
				return engine.NotFound("bridge %s does not exist on %s (create it first)", src.Source, s.Target.Name)
			}
			return err
		}
		if t := l.Type(); t != "bridge" && t != "openvswitch" {
			return engine.Invalid("%s is a %s, not a bridge", src.Source, t)
		}
	case "network":
		n, err := virtnet.Lookup(s.Target, src.Source)
		if err != nil {
			return err
		}
		defer n.Free()
		if a, _ := n.IsActive(); sc.Live && !a {
			return fmt.Errorf("network %s is not active (network.start it first)", src.Source)
		}
	}
	return nil
}

// hasNIC reports whether a parsed domain has an interface with mac.
func hasNIC(def *libvirtxml.Domain, mac string) bool { return FindNIC(def, mac) != nil }
