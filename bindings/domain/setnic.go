package domain

import (
	"fmt"

	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/bindings/virtnet"
	"rewire/lua/engine"
)

// SetInterface is the S2 re-point: `virsh update-device NAME nic.xml
// --live` and/or `virsh define` of the edited XML (--config). The NIC with
// mac keeps its MAC, model, PCI address and every other element; only its
// type and source change. Rollback restores the old live device and the
// old persistent XML.
func SetInterface(s *tx.Session, name, mac string, src Source, sc Scope) error {
	mac, err := NormalizeMAC(mac)
	if err != nil {
		return err
	}
	if err := src.Validate(); err != nil {
		return err
	}
	d, err := Lookup(s.Target, name)
	if err != nil {
		return err
	}
	defer d.Free()
	if sc, err = sc.resolve(name, statusOf(d)); err != nil {
		return err
	}
	if err := checkSource(s, src, sc); err != nil {
		return err
	}
	newConfig, newLive, prev, err := repointed(d, name, mac, src, sc)
	if err != nil {
		return err
	}
	u, err := captureNIC(d, name, mac, sc)
	if err != nil {
		return err
	}
	u.After = Source{Type: src.Type, Source: src.Source}
	return s.Apply(tx.Change{
		Kind: "domain.nic", Obj: "domain:" + name + ":nic:" + mac,
		Desc: fmt.Sprintf("%s NIC %s: %s -> %s (%s)", name, mac, prev, u.After, sc),
		Undo: u,
		Apply: func() error {
			return applyNIC(s.Target, name, newLive, newConfig, func(d *libvirt.Domain, x string) error {
				return d.UpdateDeviceFlags(x, libvirt.DOMAIN_DEVICE_MODIFY_LIVE)
			})
		},
	})
}

// repointed computes the new persistent XML and the new live device XML
// ("" where the scope leaves them alone) and names the NIC's old source.
func repointed(d *libvirt.Domain, name, mac string, src Source, sc Scope) (config, live string, prev Source, err error) {
	if sc.Config {
		def, err := configDef(d)
		if err != nil {
			return "", "", prev, err
		}
		n := FindNIC(def, mac)
		if n == nil {
			return "", "", prev, noNIC(name, mac, "persistent config")
		}
		prev = Source{Type: NICType(n), Source: NICSource(n)}
		Repoint(n, src)
		if config, err = def.Marshal(); err != nil {
			return "", "", prev, err
		}
	}
	if sc.Live {
		def, err := liveDef(d)
		if err != nil {
			return "", "", prev, err
		}
		n := FindNIC(def, mac)
		if n == nil {
			return "", "", prev, noNIC(name, mac, "running guest")
		}
		prev = Source{Type: NICType(n), Source: NICSource(n)}
		Repoint(n, src)
		if live, err = deviceXML(*n); err != nil {
			return "", "", prev, err
		}
	}
	return config, live, prev, nil
}

func noNIC(name, mac, where string) error {
	return engine.NotFound("domain %s has no NIC with MAC %s (in its %s)", name, mac, where)
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

// applyNIC applies a NIC change: the live device through live (update,
// attach or detach), then the new persistent XML through define.
func applyNIC(tg *target.Target, name, live, config string, liveOp func(*libvirt.Domain, string) error) error {
	d, err := Lookup(tg, name)
	if err != nil {
		return err
	}
	defer d.Free()
	if live != "" {
		if err := liveOp(d, live); err != nil {
			return virtnet.Err(err)
		}
	}
	if config != "" {
		if err := define(tg, config); err != nil {
			return err
		}
	}
	return nil
}

func define(tg *target.Target, xml string) error {
	c, err := virtnet.Connect(tg)
	if err != nil {
		return err
	}
	d, err := c.DomainDefineXML(xml)
	if err != nil {
		return virtnet.Err(err)
	}
	return d.Free()
}

// hasNIC reports whether a parsed domain has an interface with mac.
func hasNIC(def *libvirtxml.Domain, mac string) bool { return FindNIC(def, mac) != nil }
