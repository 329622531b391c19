package virtnet

import (
	"fmt"

	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/errkind"
	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/bindings/virtconn"
	"rewire/lua/engine"
)

var defineKind = tx.NewKind("network.define", restoreDefinition, tx.KindOptions[defUndo]{OutlivesBoot: true})

var activeKind = tx.NewKind("network.active", restoreActive, tx.KindOptions[activeUndo]{Drift: func(tg *target.Target, u activeUndo) error {
	return driftActive(tg, u.Name, !u.Active)
}})

var autostartKind = tx.NewKind("network.autostart", func(tg *target.Target, u autostartUndo) error {
	return setAutostart(tg, u.Name, u.Before)
}, tx.KindOptions[autostartUndo]{OutlivesBoot: true})

// defUndo is the prior state of a define or undefine: the persistent XML
// the network had ("" = none) and its autostart flag.
type defUndo struct {
	Name      string `json:"name"`
	XML       string `json:"xml,omitempty"`
	Autostart bool   `json:"autostart,omitempty"`
}

// activeUndo is the prior state of start/destroy: whether it was running.
type activeUndo struct {
	Name   string `json:"name"`
	Active bool   `json:"active"`
}

type autostartUndo struct {
	Name   string `json:"name"`
	Before bool   `json:"before"`
	After  bool   `json:"after"`
}

// Define is `virsh net-define FILE`: defines a network, or redefines an
// existing one (its UUID is kept when the XML has none).
func Define(s *tx.Session, xml string) (string, error) {
	var def libvirtxml.Network
	if err := def.Unmarshal(xml); err != nil {
		return "", engine.Invalid("malformed network XML: %v", err)
	}
	if def.Name == "" {
		return "", engine.Invalid("network XML has no <name>")
	}
	prior, err := capture(s.Target, def.Name)
	if err != nil {
		return "", err
	}
	if prior.XML != "" && def.UUID == "" {
		var old libvirtxml.Network
		if err := old.Unmarshal(prior.XML); err == nil {
			def.UUID = old.UUID
		}
		if xml, err = def.Marshal(); err != nil {
			return "", err
		}
	}
	verb := "define"
	if prior.XML != "" {
		verb = "redefine"
	}
	return def.Name, defineKind.Apply(s, "network:"+def.Name, fmt.Sprintf("%s network %s", verb, def.Name), prior, func() error {
		c, err := virtconn.ConnectNetworks(s.Target)
		if err != nil {
			return err
		}
		n, err := c.NetworkDefineXML(xml)
		if err != nil {
			return virtconn.Err(err)
		}
		return n.Free()
	})
}

// Undefine is `virsh net-undefine NAME`; a running network keeps running
// (transient) until destroyed.
func Undefine(s *tx.Session, name string) error {
	prior, err := capture(s.Target, name)
	if err != nil {
		return err
	}
	if prior.XML == "" {
		return engine.NotFound("network %s is not defined (persistent)", name)
	}
	return defineKind.Apply(s, "network:"+name, "undefine network "+name, prior, func() error {
		n, err := Lookup(s.Target, name)
		if err != nil {
			return err
		}
		defer n.Free()
		return virtconn.Err(n.Undefine())
	})
}

// capture reads a network's persistent definition; none is not an error.
func capture(tg *target.Target, name string) (defUndo, error) {
	u := defUndo{Name: name}
	n, err := Lookup(tg, name)
	if err != nil && engine.KindOf(err) == engine.KindNotFound {
		return u, nil
	}
	if err != nil {
		return u, err
	}
	defer n.Free()
	if p, _ := n.IsPersistent(); !p {
		return u, nil
	}
	if u.XML, err = n.GetXMLDesc(libvirt.NETWORK_XML_INACTIVE); err != nil {
		// Drivers without --inactive (the test driver) have no separate
		// persistent XML: the current one is it.
		if u.XML, err = n.GetXMLDesc(0); err != nil {
			return u, virtconn.Err(err)
		}
	}
	u.Autostart, _ = n.GetAutostart()
	return u, nil
}

// restoreDefinition brings the network's persistent definition back to
// u: redefined from the old XML, or undefined if it had none.
func restoreDefinition(tg *target.Target, u defUndo) error {
	c, err := virtconn.ConnectNetworks(tg)
	if err != nil {
		return err
	}
	if u.XML == "" {
		n, err := c.LookupNetworkByName(u.Name)
		if virtconn.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return virtconn.Err(err)
		}
		defer n.Free()
		if p, _ := n.IsPersistent(); !p {
			return nil
		}
		return virtconn.Err(n.Undefine())
	}
	n, err := c.NetworkDefineXML(u.XML)
	if err != nil {
		return virtconn.Err(err)
	}
	defer n.Free()
	if cur, _ := n.GetAutostart(); cur != u.Autostart {
		return virtconn.Err(n.SetAutostart(u.Autostart))
	}
	return nil
}

// Start is `virsh net-start NAME`.
func Start(s *tx.Session, name string) error { return setActive(s, name, true) }

// Destroy is `virsh net-destroy NAME`: stops the network (its bridge,
// dnsmasq and firewall rules go); only persistent networks, which
// rollback can start again.
func Destroy(s *tx.Session, name string) error { return setActive(s, name, false) }

func setActive(s *tx.Session, name string, active bool) error {
	n, err := Lookup(s.Target, name)
	if err != nil {
		return err
	}
	was, _ := n.IsActive()
	persistent, _ := n.IsPersistent()
	n.Free()
	if was == active {
		return nil // already so: nothing to change, nothing to undo
	}
	if !active && !persistent {
		return errkind.Invalid("refusing to destroy transient network %s: rollback could not start it again", name)
	}
	verb := map[bool]string{true: "start", false: "destroy"}[active]
	return activeKind.Apply(s, "network:"+name, verb+" network "+name, activeUndo{Name: name, Active: was}, func() error { return restoreActive(s.Target, activeUndo{Name: name, Active: active}) })
}

// restoreActive starts or stops the network so that it is u.Active;
// already so (or gone, when it should be stopped) is fine.
func restoreActive(tg *target.Target, u activeUndo) error {
	n, err := Lookup(tg, u.Name)
	if err != nil {
		if !u.Active && engine.KindOf(err) == engine.KindNotFound {
			return nil
		}
		return err
	}
	defer n.Free()
	if cur, _ := n.IsActive(); cur == u.Active {
		return nil
	}
	if u.Active {
		return virtconn.Err(n.Create())
	}
	return virtconn.Err(n.Destroy())
}

func driftActive(tg *target.Target, name string, want bool) error {
	n, err := Lookup(tg, name)
	if err != nil {
		return err
	}
	defer n.Free()
	if cur, _ := n.IsActive(); cur != want {
		return fmt.Errorf("network %s active=%v, the transaction left it active=%v", name, cur, want)
	}
	return nil
}

// SetAutostart is `virsh net-autostart NAME [--disable]`.
func SetAutostart(s *tx.Session, name string, on bool) error {
	n, err := Lookup(s.Target, name)
	if err != nil {
		return err
	}
	before, err := n.GetAutostart()
	n.Free()
	if err != nil {
		return virtconn.Err(err)
	}
	if before == on {
		return nil
	}
	return autostartKind.Apply(s, "network:"+name+":autostart", fmt.Sprintf("set network %s autostart %v", name, on), autostartUndo{Name: name, Before: before, After: on}, func() error { return setAutostart(s.Target, name, on) })
}

func setAutostart(tg *target.Target, name string, on bool) error {
	n, err := Lookup(tg, name)
	if err != nil {
		if engine.KindOf(err) == engine.KindNotFound {
			return nil
		}
		return err
	}
	defer n.Free()
	if cur, _ := n.GetAutostart(); cur == on {
		return nil
	}
	return virtconn.Err(n.SetAutostart(on))
}

// Started reads a step that started or destroyed a network: its name and
// whether it was running before (so a destroy when true). ok is false for
// any other step. A plan uses it to do in its replica what libvirtd does.
func Started(st *tx.Step) (name string, wasActive, ok bool) {
	u, ok := activeKind.Decode(st)
	return u.Name, u.Active, ok
}

// Defined reads a step that defined, redefined or undefined a network:
// its name. ok is false for any other step.
func Defined(st *tx.Step) (name string, ok bool) {
	u, ok := defineKind.Decode(st)
	return u.Name, ok
}

// AutostartSet reads a step that set a network's autostart flag: its
// name. ok is false for any other step.
func AutostartSet(st *tx.Step) (name string, ok bool) {
	u, ok := autostartKind.Decode(st)
	return u.Name, ok
}
