package domain

import (
	"fmt"

	"libvirt.org/go/libvirt"

	"rewire/bindings/target"
	"rewire/bindings/virtconn"
)

// nicEdit is one NIC change ready to apply: the live device operation
// and/or the new persistent XML, and what the persistent XML must look
// like afterwards.
type nicEdit struct {
	name, what string
	live       string // device XML for liveOp ("" = the running guest is left alone)
	liveOp     func(*libvirt.Domain, string) error
	before     *domText // the persistent XML before (nil: a transient guest)
	config     string   // the new persistent XML ("" = left alone)
	bi         int      // the NIC's index in before (-1: it is new)
	// after finds the NIC in the persistent XML the change left (-1: it is
	// gone) and says what is wrong with it, if anything.
	after func(*domText) (int, error)
}

// apply makes the change, then checks libvirt's persistent XML: it may
// differ from before only in that NIC. Anything else is an error, so the
// transaction undoes the change at once.
func (e *nicEdit) apply(tg *target.Target) error {
	d, err := Lookup(tg, e.name)
	if err != nil {
		return err
	}
	defer d.Free()
	if e.live != "" {
		if err := e.liveOp(d, e.live); err != nil {
			return virtconn.Err(err)
		}
	}
	if e.config != "" {
		if err := define(tg, e.config); err != nil {
			return err
		}
	}
	return e.verify(d, tg)
}

func (e *nicEdit) verify(d *libvirt.Domain, tg *target.Target) error {
	if e.before == nil {
		return nil
	}
	now, err := readDomText(d)
	if err != nil {
		return err
	}
	if e.config == "" { // a live change: the persistent XML must be as it was
		diff, err := onlyNICDiffers(e.before.text, now.text, -1, -1)
		if err == nil && diff == "" {
			return nil
		}
		if rerr := define(tg, e.before.text); rerr != nil {
			return fmt.Errorf("domain %s: %s changed its persistent XML at %s, and restoring it failed: %v", e.name, e.what, diff, rerr)
		}
		return fmt.Errorf("domain %s: %s changed its persistent XML at %s; restored", e.name, e.what, diff)
	}
	ai, err := e.after(now)
	if err != nil {
		return fmt.Errorf("domain %s: %s: %v; undone", e.name, e.what, err)
	}
	diff, err := onlyNICDiffers(e.before.text, now.text, e.bi, ai)
	if err != nil {
		return err
	}
	if diff != "" {
		return fmt.Errorf("domain %s: %s changed more than that NIC (first difference: %s); undone", e.name, e.what, diff)
	}
	return nil
}

// persistentText is the persistent XML of a guest that has one (nil for a
// transient guest), for checking that a live change leaves it alone.
func persistentText(d *libvirt.Domain, st status) (*domText, error) {
	if !st.persistent {
		return nil, nil
	}
	return readDomText(d)
}

// define is `virsh define` of a whole domain XML.
func define(tg *target.Target, xml string) error {
	c, err := virtconn.Connect(tg)
	if err != nil {
		return err
	}
	d, err := c.DomainDefineXML(xml)
	if err != nil {
		return virtconn.Err(err)
	}
	return d.Free()
}
