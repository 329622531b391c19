package domain

import (
	"fmt"

	"libvirt.org/go/libvirt"

	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// AttachInterface is `virsh attach-interface NAME --type T --source S
// [--model M] [--mac MAC] [--live] [--config]` (S6 hot-plug). A MAC is
// chosen (52:54:00:.., newMAC) when none is given; the MAC used is returned.
// The persistent XML gets the new <interface> element and nothing else.
// Rollback unplugs it again; a guest that does not acknowledge the
// unplug (no OS) keeps the device, and the rollback says so.
func AttachInterface(s *tx.Session, name string, src Source, mac string, sc Scope) (string, error) {
	if err := src.Validate(); err != nil {
		return "", err
	}
	d, err := Lookup(s.Target, name)
	if err != nil {
		return "", err
	}
	defer d.Free()
	if mac == "" {
		if mac, err = newMAC(s, d, src); err != nil {
			return "", err
		}
	} else if mac, err = NormalizeMAC(mac); err != nil {
		return "", err
	}
	st := statusOf(d)
	if sc, err = sc.resolve(name, st); err != nil {
		return "", err
	}
	if err := checkSource(s, src, sc); err != nil {
		return "", err
	}
	dev := newNICText(mac, src)
	e := &nicEdit{name: name, what: "attaching NIC " + mac, bi: -1,
		liveOp: func(d *libvirt.Domain, x string) error {
			return d.AttachDeviceFlags(x, libvirt.DOMAIN_DEVICE_MODIFY_LIVE)
		}}
	if e.before, err = persistentText(d, st); err != nil {
		return "", err
	}
	u := nicUndo{Domain: name, MAC: mac, LiveTouched: sc.Live, After: Source{Type: src.Type, Source: src.Source}}
	if sc.Config {
		for i := range e.before.defs {
			if macOf(&e.before.defs[i]) == mac {
				return "", engine.Invalid("domain %s already has a NIC with MAC %s", name, mac)
			}
		}
		if e.config, err = e.before.appendNIC(dev); err != nil {
			return "", err
		}
		u.Config = e.before.text
		e.after = func(now *domText) (int, error) {
			for i := range now.defs {
				if macOf(&now.defs[i]) == mac {
					return i, nil
				}
			}
			return -1, fmt.Errorf("no NIC with MAC %s came", mac)
		}
	}
	if sc.Live {
		def, err := liveDef(d)
		if err != nil {
			return "", err
		}
		if hasNIC(def, mac) {
			return "", engine.Invalid("domain %s already has a NIC with MAC %s", name, mac)
		}
		e.live = dev
	}
	return mac, nicKind.Apply(s, "domain:"+name+":nic:"+mac, fmt.Sprintf("attach NIC %s to %s: %s (%s)", mac, name, u.After, sc), u, func() error { return e.apply(s.Target) })
}

// DetachInterface is DetachNIC for the NIC with mac.
func DetachInterface(s *tx.Session, name, mac string, sc Scope) error {
	return DetachNIC(s, name, NICRef{MAC: mac}, sc)
}

// DetachNIC is `virsh detach-interface NAME --mac MAC [--live]
// [--config]`, for the one NIC ref names: the persistent XML loses that
// <interface> element and nothing else. Rollback plugs the same device
// (MAC, model, PCI address) back and restores the persistent XML.
func DetachNIC(s *tx.Session, name string, ref NICRef, sc Scope) error {
	ref, err := ref.normalize()
	if err != nil {
		return err
	}
	d, err := Lookup(s.Target, name)
	if err != nil {
		return err
	}
	defer d.Free()
	st := statusOf(d)
	if sc, err = sc.resolve(name, st); err != nil {
		return err
	}
	t, err := locateNIC(d, name, ref, sc)
	if err != nil {
		return err
	}
	u, err := t.undo(name, sc)
	if err != nil {
		return err
	}
	e := &nicEdit{name: name, what: "detaching NIC " + t.mac, before: t.cfg, bi: t.cfgAt, live: u.Live,
		liveOp: func(d *libvirt.Domain, x string) error { return detachLive(d, u, x) }}
	if t.cfg != nil {
		e.config = t.cfg.removeNIC(t.cfgAt)
		e.after = func(now *domText) (int, error) {
			if len(now.defs) != len(t.cfg.defs)-1 {
				return -1, fmt.Errorf("it has %d NICs, want %d", len(now.defs), len(t.cfg.defs)-1)
			}
			return -1, nil
		}
	} else if e.before, err = persistentText(d, st); err != nil {
		return err
	}
	return nicKind.Apply(s, "domain:"+name+":nic:"+t.mac, fmt.Sprintf("detach NIC %s (%s) from %s (%s)", t.mac, t.prev, name, sc), u, func() error { return e.apply(s.Target) })
}
