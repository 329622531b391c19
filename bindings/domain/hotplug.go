package domain

import (
	"fmt"

	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// AttachInterface is `virsh attach-interface NAME --type T --source S
// [--model M] [--mac MAC] [--live] [--config]` (S6 hot-plug). A MAC is
// chosen (52:54:00:.., newMAC) when none is given; the MAC used is returned.
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
	if sc, err = sc.resolve(name, statusOf(d)); err != nil {
		return "", err
	}
	if err := checkSource(s, src, sc); err != nil {
		return "", err
	}
	nic := libvirtxml.DomainInterface{MAC: &libvirtxml.DomainInterfaceMAC{Address: mac}}
	Repoint(&nic, src)
	dev, err := deviceXML(nic)
	if err != nil {
		return "", err
	}
	var config string
	if sc.Config {
		def, err := configDef(d)
		if err != nil {
			return "", err
		}
		if hasNIC(def, mac) {
			return "", engine.Invalid("domain %s already has a NIC with MAC %s", name, mac)
		}
		def.Devices.Interfaces = append(def.Devices.Interfaces, nic)
		if config, err = def.Marshal(); err != nil {
			return "", err
		}
	}
	live := ""
	if sc.Live {
		def, err := liveDef(d)
		if err != nil {
			return "", err
		}
		if hasNIC(def, mac) {
			return "", engine.Invalid("domain %s already has a NIC with MAC %s", name, mac)
		}
		live = dev
	}
	u, err := captureNIC(d, name, mac, sc)
	if err != nil {
		return "", err
	}
	u.After = Source{Type: src.Type, Source: src.Source}
	return mac, s.Apply(tx.Change{
		Kind: "domain.nic", Obj: "domain:" + name + ":nic:" + mac,
		Desc: fmt.Sprintf("attach NIC %s to %s: %s (%s)", mac, name, u.After, sc),
		Undo: u,
		Apply: func() error {
			return applyNIC(s.Target, name, live, config, func(d *libvirt.Domain, x string) error {
				return d.AttachDeviceFlags(x, libvirt.DOMAIN_DEVICE_MODIFY_LIVE)
			})
		},
	})
}

// DetachInterface is `virsh detach-interface NAME --mac MAC [--live]
// [--config]`. Rollback plugs the same device (MAC, model, PCI address)
// back and restores the persistent XML.
func DetachInterface(s *tx.Session, name, mac string, sc Scope) error {
	mac, err := NormalizeMAC(mac)
	if err != nil {
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
	var config, live string
	var prev Source
	if sc.Config {
		def, err := configDef(d)
		if err != nil {
			return err
		}
		n := FindNIC(def, mac)
		if n == nil {
			return noNIC(name, mac, "persistent config")
		}
		prev = Source{Type: NICType(n), Source: NICSource(n)}
		removeNIC(def, mac)
		if config, err = def.Marshal(); err != nil {
			return err
		}
	}
	if sc.Live {
		def, err := liveDef(d)
		if err != nil {
			return err
		}
		n := FindNIC(def, mac)
		if n == nil {
			return noNIC(name, mac, "running guest")
		}
		prev = Source{Type: NICType(n), Source: NICSource(n)}
		if live, err = deviceXML(*n); err != nil {
			return err
		}
	}
	u, err := captureNIC(d, name, mac, sc)
	if err != nil {
		return err
	}
	return s.Apply(tx.Change{
		Kind: "domain.nic", Obj: "domain:" + name + ":nic:" + mac,
		Desc: fmt.Sprintf("detach NIC %s (%s) from %s (%s)", mac, prev, name, sc),
		Undo: u,
		Apply: func() error {
			return applyNIC(s.Target, name, live, config, func(d *libvirt.Domain, x string) error {
				return detachLive(d, mac, x)
			})
		},
	})
}

func removeNIC(def *libvirtxml.Domain, mac string) {
	out := def.Devices.Interfaces[:0]
	for _, n := range def.Devices.Interfaces {
		if n.MAC == nil || !sameMAC(n.MAC.Address, mac) {
			out = append(out, n)
		}
	}
	def.Devices.Interfaces = out
}

func sameMAC(a, b string) bool {
	x, err1 := NormalizeMAC(a)
	y, err2 := NormalizeMAC(b)
	return err1 == nil && err2 == nil && x == y
}
