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

var nicKind = tx.NewKind("domain.nic", restoreNIC, tx.KindOptions[nicUndo]{Drift: driftNIC, OutlivesBoot: true, Diff: nicDiff,
	Group:     func(u nicUndo) string { return u.Domain }, // one guest's NICs in order, guests side by side
	UndoGroup: restoreNICs, DriftGroup: driftNICs})

// Scope says where a NIC change applies: the running guest (live), its
// persistent definition (config), or both — virsh's --live / --config.
type Scope struct {
	Live   bool `json:"live"`
	Config bool `json:"config"`
}

// resolve fills an unset scope the way a user expects: live if the guest
// runs, config if it is persistent. It refuses live on a stopped guest.
func (sc Scope) resolve(name string, st status) (Scope, error) {
	if !sc.Live && !sc.Config {
		return Scope{Live: st.active, Config: st.persistent}, nil
	}
	if sc.Live && !st.active {
		return sc, fmt.Errorf("domain %s is not running: a live change needs a running guest (use config=true)", name)
	}
	if sc.Config && !st.persistent {
		return sc, fmt.Errorf("domain %s is transient: it has no persistent config", name)
	}
	return sc, nil
}

func (sc Scope) String() string {
	switch {
	case sc.Live && sc.Config:
		return "live, config"
	case sc.Live:
		return "live"
	}
	return "config"
}

// nicUndo is the prior state of one NIC of one guest: its persistent
// domain XML (when config was touched; with secrets; in a batch of one
// guest's NICs only the first and the defining change hold it, the others
// their NIC's element, CfgNIC) and its live device
// XML (when live was touched; "" = the NIC was not plugged in). The NIC is
// known by its MAC, and by its PCI address and alias where another NIC
// has the same MAC. After is the NIC's type/source the change left, for
// drift ("" type = removed).
type nicUndo struct {
	Domain string `json:"domain"`
	MAC    string `json:"mac"`
	PCI    string `json:"pci,omitempty"`
	Alias  string `json:"alias,omitempty"`
	Config string `json:"config,omitempty"`
	// CfgNIC is the NIC's element in the persistent XML before, when the
	// change edited it there (a batch's changes other than the first and
	// the defining one hold no whole Config).
	CfgNIC      string `json:"config_nic,omitempty"`
	LiveTouched bool   `json:"live_touched,omitempty"`
	Live        string `json:"live,omitempty"`
	After       Source `json:"after"`
}

// inConfig says whether the change edited the persistent XML.
func (u nicUndo) inConfig() bool { return u.Config != "" || u.CfgNIC != "" }

// restoreNIC brings the NIC back to u: the live device re-plugged,
// re-pointed or unplugged as it was, then the old persistent XML
// redefined. Each half does nothing if already so.
func restoreNIC(tg *target.Target, u nicUndo) error {
	d, err := Lookup(tg, u.Domain)
	if err != nil {
		if isNotFound(err) {
			return nil // the guest is gone: nothing of it to restore
		}
		return err
	}
	defer d.Free()
	if u.LiveTouched && statusOf(d).active {
		if err := setLiveNIC(d, u, u.Live); err != nil {
			return fmt.Errorf("domain %s NIC %s live: %w", u.Domain, u.MAC, err)
		}
	}
	if u.Config != "" {
		c, err := virtconn.Connect(tg)
		if err != nil {
			return err
		}
		nd, err := c.DomainDefineXML(u.Config)
		if err != nil {
			return fmt.Errorf("domain %s: redefine: %w", u.Domain, virtconn.Err(err))
		}
		nd.Free()
	}
	return nil
}

// find is the NIC u is about among a guest's NICs (nil: there is none).
func (u nicUndo) find(nics []libvirtxml.DomainInterface, where string) (*libvirtxml.DomainInterface, error) {
	i, err := identify(u.Domain, nics, u.MAC, u.PCI, u.Alias, where)
	if err != nil && engine.KindOf(err) == engine.KindNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &nics[i], nil
}

// liveNICs are the running guest's NICs, read from its XML without
// parsing the rest of it (an undo of one NIC does this for each).
func liveNICs(d *libvirt.Domain) ([]libvirtxml.DomainInterface, error) {
	dt, err := readLiveText(d)
	if err != nil {
		return nil, err
	}
	return dt.defs, nil
}

// readLiveText reads the running guest's XML (with secrets) and locates its NICs.
func readLiveText(d *libvirt.Domain) (*domText, error) {
	x, err := d.GetXMLDesc(libvirt.DOMAIN_XML_SECURE)
	if err != nil {
		return nil, virtconn.Err(err)
	}
	return parseDomText(x)
}

// setLiveNIC makes the running guest's NIC of u be want (device XML,
// "" = absent): update-device, attach-device or detach-device.
func setLiveNIC(d *libvirt.Domain, u nicUndo, want string) error {
	nics, err := liveNICs(d)
	if err != nil {
		return err
	}
	return setLiveNICIn(d, u, want, nics)
}

// setLiveNICIn is setLiveNIC with the running guest's NICs already read
// (nics: as they are now, as far as u's NIC goes).
func setLiveNICIn(d *libvirt.Domain, u nicUndo, want string, nics []libvirtxml.DomainInterface) error {
	cur, err := u.find(nics, "running guest")
	if err != nil {
		return err
	}
	switch {
	case want == "" && cur == nil:
		return nil
	case want == "":
		x, err := deviceXML(*cur)
		if err != nil {
			return err
		}
		return detachLive(d, u, x)
	case cur == nil:
		return virtconn.Err(d.AttachDeviceFlags(want, libvirt.DOMAIN_DEVICE_MODIFY_LIVE))
	}
	var w libvirtxml.DomainInterface
	if err := w.Unmarshal(want); err != nil {
		return err
	}
	if NICType(cur) == NICType(&w) && NICSource(cur) == NICSource(&w) {
		return nil
	}
	if cur.Target != nil && w.Target != nil && cur.Target.Dev != w.Target.Dev {
		// The guest was started again since (a reboot): its tap has
		// another name, which libvirt will not change on a live device.
		if want, err = setChildAttr(want, "target", "dev", cur.Target.Dev); err != nil {
			return err
		}
	}
	return virtconn.Err(d.UpdateDeviceFlags(want, libvirt.DOMAIN_DEVICE_MODIFY_LIVE))
}

// driftNIC reports whether the NIC is no longer as the change left it.
func driftNIC(tg *target.Target, u nicUndo) error { return driftNICs(tg, []nicUndo{u})[0] }

// driftNICs is driftNIC of several changes of one guest, from one read of
// each of its views: one error per change.
func driftNICs(tg *target.Target, us []nicUndo) []error {
	errs := make([]error, len(us))
	d, err := Lookup(tg, us[0].Domain)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	defer d.Free()
	active := statusOf(d).active
	var cfg, live *domText
	var cfgErr, liveErr error
	for _, u := range us {
		if u.inConfig() && cfg == nil && cfgErr == nil {
			cfg, cfgErr = readDomText(d)
		}
		if u.LiveTouched && active && live == nil && liveErr == nil {
			live, liveErr = readLiveText(d)
		}
	}
	check := func(u nicUndo, where string, dt *domText) error {
		n, err := u.find(dt.defs, where)
		if err != nil {
			return err
		}
		got := Source{}
		if n != nil {
			got = Source{Type: NICType(n), Source: NICSource(n)}
		}
		if got.Type != u.After.Type || got.Source != u.After.Source {
			return fmt.Errorf("domain %s NIC %s (%s) is %q, the transaction left %q", u.Domain, u.MAC, where, got, u.After)
		}
		return nil
	}
	for i, u := range us {
		if u.inConfig() {
			if errs[i] = cfgErr; errs[i] == nil {
				errs[i] = check(u, "config", cfg)
			}
			if errs[i] != nil {
				continue
			}
		}
		if u.LiveTouched && active {
			if errs[i] = liveErr; errs[i] == nil {
				errs[i] = check(u, "live", live)
			}
		}
	}
	return errs
}

// detachLive unplugs a NIC from the running guest. libvirt only asks the
// guest to release a PCI device and returns after a few seconds even if
// it has not (a guest without an OS never does), so the result is checked:
// a NIC still plugged in is an error, not a silent success.
func detachLive(d *libvirt.Domain, u nicUndo, dev string) error {
	if err := d.DetachDeviceFlags(dev, libvirt.DOMAIN_DEVICE_MODIFY_LIVE); err != nil {
		return virtconn.Err(err)
	}
	nics, err := liveNICs(d)
	if err != nil {
		return err
	}
	n, err := u.find(nics, "running guest")
	if err != nil {
		return err
	}
	if n != nil {
		return fmt.Errorf("the guest has not released NIC %s (a PCI unplug needs the guest OS to acknowledge it); libvirt will remove it when it does", u.MAC)
	}
	return nil
}
