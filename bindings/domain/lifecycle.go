package domain

import (
	"fmt"

	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/bindings/virtconn"
	"rewire/lua/engine"
)

var defineKind = tx.NewKind("domain.define", restoreDefinition, tx.KindOptions[defUndo]{OutlivesBoot: true})

var activeKind = tx.NewKind("domain.active", restoreActive, tx.KindOptions[activeUndo]{})

// defUndo is a guest's prior persistent definition ("" = none) and autostart.
type defUndo struct {
	Name      string `json:"name"`
	XML       string `json:"xml,omitempty"`
	Autostart bool   `json:"autostart,omitempty"`
}

// activeUndo is whether a guest ran before a start, shutdown or destroy.
type activeUndo struct {
	Name   string `json:"name"`
	Active bool   `json:"active"`
}

// Define is `virsh define FILE`: defines a guest, or redefines one of the
// same name. The existing UUID is kept when the XML has none (libvirt
// refuses to redefine a name under a new UUID).
func Define(s *tx.Session, xml string) (string, error) {
	var def libvirtxml.Domain
	if err := def.Unmarshal(xml); err != nil {
		return "", engine.Invalid("malformed domain XML: %v", err)
	}
	if def.Name == "" {
		return "", engine.Invalid("domain XML has no <name>")
	}
	prior, err := captureDef(s.Target, def.Name)
	if err != nil {
		return def.Name, err
	}
	if prior.XML != "" && def.UUID == "" {
		var old libvirtxml.Domain
		if err := old.Unmarshal(prior.XML); err == nil {
			def.UUID = old.UUID
		}
		if xml, err = def.Marshal(); err != nil {
			return def.Name, err
		}
	}
	verb := "define"
	if prior.XML != "" {
		verb = "redefine"
	}
	return def.Name, defineKind.Apply(s, "domain:"+def.Name, fmt.Sprintf("%s domain %s", verb, def.Name), prior, func() error { return define(s.Target, xml) })
}

// Undefine is `virsh undefine NAME`: a running guest keeps running
// (transient); rollback defines it again from its old XML.
func Undefine(s *tx.Session, name string) error {
	prior, err := captureDef(s.Target, name)
	if err != nil {
		return err
	}
	if prior.XML == "" {
		return engine.NotFound("domain %s is not defined (persistent)", name)
	}
	return defineKind.Apply(s, "domain:"+name, "undefine domain "+name, prior, func() error {
		d, err := Lookup(s.Target, name)
		if err != nil {
			return err
		}
		defer d.Free()
		return virtconn.Err(d.Undefine())
	})
}

func captureDef(tg *target.Target, name string) (defUndo, error) {
	u := defUndo{Name: name}
	d, err := Lookup(tg, name)
	if isNotFound(err) {
		return u, nil
	}
	if err != nil {
		return u, err
	}
	defer d.Free()
	if !statusOf(d).persistent {
		return u, nil
	}
	if u.XML, err = d.GetXMLDesc(libvirt.DOMAIN_XML_INACTIVE | libvirt.DOMAIN_XML_SECURE); err != nil {
		return u, virtconn.Err(err)
	}
	u.Autostart, _ = d.GetAutostart()
	return u, nil
}

// restoreDefinition redefines the old XML, or undefines a guest that had
// no definition before. Already so is fine.
func restoreDefinition(tg *target.Target, u defUndo) error {
	if u.XML == "" {
		d, err := Lookup(tg, u.Name)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		defer d.Free()
		if !statusOf(d).persistent {
			return nil
		}
		return virtconn.Err(d.Undefine())
	}
	if err := define(tg, u.XML); err != nil {
		return err
	}
	d, err := Lookup(tg, u.Name)
	if err != nil {
		return err
	}
	defer d.Free()
	if cur, _ := d.GetAutostart(); cur != u.Autostart {
		return virtconn.Err(d.SetAutostart(u.Autostart))
	}
	return nil
}

// Start is `virsh start NAME`. Already running is not a change.
func Start(s *tx.Session, name string) error { return setActive(s, name, "start") }

// Shutdown is `virsh shutdown NAME`: asks the guest OS to power off (a
// guest without ACPI support ignores it). Rollback starts it again.
func Shutdown(s *tx.Session, name string) error { return setActive(s, name, "shutdown") }

// Destroy is `virsh destroy NAME`: pulls the plug. Only persistent
// guests, which rollback can start again.
func Destroy(s *tx.Session, name string) error { return setActive(s, name, "destroy") }

func setActive(s *tx.Session, name, verb string) error {
	d, err := Lookup(s.Target, name)
	if err != nil {
		return err
	}
	st := statusOf(d)
	d.Free()
	want := verb == "start"
	if st.active == want {
		return nil
	}
	if !want && !st.persistent {
		return fmt.Errorf("refusing to %s transient domain %s: rollback could not start it again", verb, name)
	}
	return activeKind.Apply(s, "domain:"+name+":state", verb+" domain "+name, activeUndo{Name: name, Active: st.active}, func() error {
		d, err := Lookup(s.Target, name)
		if err != nil {
			return err
		}
		defer d.Free()
		switch verb {
		case "start":
			return virtconn.Err(d.Create())
		case "shutdown":
			return virtconn.Err(d.Shutdown())
		}
		return virtconn.Err(d.Destroy())
	})
}

// restoreActive starts or destroys the guest so that it runs as before.
func restoreActive(tg *target.Target, u activeUndo) error {
	d, err := Lookup(tg, u.Name)
	if err != nil {
		if !u.Active && isNotFound(err) {
			return nil
		}
		return err
	}
	defer d.Free()
	if statusOf(d).active == u.Active {
		return nil
	}
	if u.Active {
		return virtconn.Err(d.Create())
	}
	return virtconn.Err(d.Destroy())
}
