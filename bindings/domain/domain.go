// Package domain reads and changes libvirt guests (`virsh list`, `dumpxml`,
// `domiflist`, `update-device`, `attach-device`, `define`, `start` ...),
// editing domain XML as libvirtxml structs, every change journaled with
// the prior persistent XML and the prior live device so rollback restores both.
package domain

import (
	"fmt"
	"sort"

	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/target"
	"rewire/bindings/virtconn"
	"rewire/lua/engine"
)

// Summary is one guest as `virsh list --all --autostart` shows it.
type Summary struct {
	Name      string `json:"name"`
	State     string `json:"state"`
	Autostart bool   `json:"autostart"`
}

// Info is one guest as `virsh dominfo` shows it.
type Info struct {
	Summary
	UUID       string `json:"uuid"`
	Persistent bool   `json:"persistent"`
	NICs       int    `json:"nics"`
}

var stateNames = map[libvirt.DomainState]string{
	libvirt.DOMAIN_NOSTATE: "nostate", libvirt.DOMAIN_RUNNING: "running", libvirt.DOMAIN_BLOCKED: "blocked",
	libvirt.DOMAIN_PAUSED: "paused", libvirt.DOMAIN_SHUTDOWN: "shutdown", libvirt.DOMAIN_SHUTOFF: "shutoff",
	libvirt.DOMAIN_CRASHED: "crashed", libvirt.DOMAIN_PMSUSPENDED: "pmsuspended",
}

// List is `virsh list --all`, ordered by name.
func List(tg *target.Target) ([]Summary, error) {
	doms, err := allDomains(tg)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(doms))
	for i := range doms {
		in, err := describe(&doms[i])
		doms[i].Free()
		if err != nil {
			return nil, err
		}
		out = append(out, in.Summary)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// allDomains are every guest of the target's libvirt, running or not; the
// caller frees each.
func allDomains(tg *target.Target) ([]libvirt.Domain, error) {
	c, err := virtconn.Connect(tg)
	if err != nil {
		return nil, err
	}
	doms, err := c.ListAllDomains(0)
	return doms, virtconn.Err(err)
}

// Get is `virsh dominfo NAME`.
func Get(tg *target.Target, name string) (Info, error) {
	d, err := Lookup(tg, name)
	if err != nil {
		return Info{}, err
	}
	defer d.Free()
	return describe(d)
}

// Lookup finds a guest by name; the caller frees it.
func Lookup(tg *target.Target, name string) (*libvirt.Domain, error) {
	c, err := virtconn.Connect(tg)
	if err != nil {
		return nil, err
	}
	d, err := c.LookupDomainByName(name)
	if virtconn.IsNotFound(err) {
		return nil, engine.NotFound("no domain named %s", name)
	}
	if err != nil {
		return nil, virtconn.Err(err)
	}
	return d, nil
}

func describe(d *libvirt.Domain) (Info, error) {
	var in Info
	var err error
	if in.Name, err = d.GetName(); err != nil {
		return in, virtconn.Err(err)
	}
	in.UUID, _ = d.GetUUIDString()
	st, _, err := d.GetState()
	if err != nil {
		return in, virtconn.Err(err)
	}
	in.State = stateNames[st]
	in.Autostart, _ = d.GetAutostart()
	in.Persistent, _ = d.IsPersistent()
	def, err := liveDef(d)
	if err != nil {
		return in, err
	}
	in.NICs = len(def.Devices.Interfaces)
	return in, nil
}

// XML is `virsh dumpxml NAME` (inactive: `--inactive`).
func XML(tg *target.Target, name string, inactive bool) (string, error) {
	d, err := Lookup(tg, name)
	if err != nil {
		return "", err
	}
	defer d.Free()
	var flags libvirt.DomainXMLFlags
	if inactive {
		flags = libvirt.DOMAIN_XML_INACTIVE
	}
	x, err := d.GetXMLDesc(flags)
	return x, virtconn.Err(err)
}

// liveDef parses the guest's current XML (live when it runs).
func liveDef(d *libvirt.Domain) (*libvirtxml.Domain, error) {
	return parseDesc(d, 0)
}

// configDef parses the guest's persistent XML.
func configDef(d *libvirt.Domain) (*libvirtxml.Domain, error) {
	return parseDesc(d, libvirt.DOMAIN_XML_INACTIVE)
}

// configText is the guest's persistent XML text, secrets included (VNC
// passwords, disk auth): what a change writes back or journals for its
// undo must not lose them.
func configText(d *libvirt.Domain) (string, error) {
	x, err := d.GetXMLDesc(libvirt.DOMAIN_XML_INACTIVE | libvirt.DOMAIN_XML_SECURE)
	return x, virtconn.Err(err)
}

// parseDesc parses the guest's XML, always with its secrets: parts of it
// are journaled or written back.
func parseDesc(d *libvirt.Domain, flags libvirt.DomainXMLFlags) (*libvirtxml.Domain, error) {
	x, err := d.GetXMLDesc(flags | libvirt.DOMAIN_XML_SECURE)
	if err != nil {
		return nil, virtconn.Err(err)
	}
	def := &libvirtxml.Domain{}
	if err := def.Unmarshal(x); err != nil {
		return nil, fmt.Errorf("domain XML: %w", err)
	}
	if def.Devices == nil {
		def.Devices = &libvirtxml.DomainDeviceList{}
	}
	return def, nil
}

// status is whether a guest runs and has a persistent definition.
type status struct{ active, persistent bool }

func statusOf(d *libvirt.Domain) status {
	a, _ := d.IsActive()
	p, _ := d.IsPersistent()
	return status{a, p}
}

// isNotFound reports whether err says the guest does not exist.
func isNotFound(err error) bool {
	return err != nil && engine.KindOf(err) == engine.KindNotFound
}
