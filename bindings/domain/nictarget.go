package domain

import (
	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"rewire/lua/engine"
)

// nicTarget is the one NIC a change works on, as each view of the guest
// that the change touches shows it.
type nicTarget struct {
	mac, pci, alias string
	prev            Source
	cfg             *domText                    // persistent XML (with secrets), when config is in scope
	cfgAt           int                         // the NIC's index in cfg
	live            *libvirtxml.DomainInterface // the NIC in the running guest, when live is in scope
	liveText        string                      // its element text there (with secrets)
}

// views is what a change reads of a guest: its running XML (nil unless
// read) and its persistent XML (nil for a transient guest or when not
// read), both with secrets.
type views struct{ live, cfg *domText }

// readViews reads the running XML when live, and the
// persistent XML when config.
func readViews(d *libvirt.Domain, live, config bool) (views, error) {
	var v views
	if live {
		var err error
		if v.live, err = readLiveText(d); err != nil {
			return v, err
		}
	}
	if config {
		var err error
		if v.cfg, err = readDomText(d); err != nil {
			return v, err
		}
	}
	return v, nil
}

// needsLive says whether finding ref for scope sc takes the running XML:
// live is in scope, or ref is an alias (libvirt keeps aliases such as net0
// only there) of a running guest.
func needsLive(ref NICRef, sc Scope, st status) bool {
	return sc.Live || (ref.Alias != "" && st.active)
}

// locateNIC finds the NIC ref names. The running guest is asked first when
// needsLive; the persistent config then by the MAC, PCI address and
// alias found, else by ref itself.
func locateNIC(d *libvirt.Domain, name string, ref NICRef, sc Scope) (*nicTarget, error) {
	v, err := readViews(d, needsLive(ref, sc, statusOf(d)), sc.Config)
	if err != nil {
		return nil, err
	}
	return locateIn(name, ref, sc, v)
}

// locateIn is locateNIC on views already read.
func locateIn(name string, ref NICRef, sc Scope, v views) (*nicTarget, error) {
	t := &nicTarget{cfgAt: -1}
	found := false
	if v.live != nil {
		i, err := pick(name, v.live.defs, ref, "running guest")
		if err != nil && (sc.Live || engine.KindOf(err) != engine.KindNotFound) {
			return nil, err // (a config change may still find a user alias there)
		}
		if err == nil {
			n := &v.live.defs[i]
			t.mac, t.pci, t.alias, t.prev = macOf(n), pciOf(n), aliasOf(n), sourceOf(n)
			if sc.Live {
				t.live, t.liveText = n, v.live.nicText(i)
			}
			found = true
		}
	}
	if sc.Config {
		dt := v.cfg
		var j int
		var err error
		if found {
			j, err = identify(name, dt.defs, t.mac, t.pci, t.alias, "persistent config")
		} else {
			j, err = pick(name, dt.defs, ref, "persistent config")
		}
		if err != nil {
			return nil, err
		}
		t.cfg, t.cfgAt = dt, j
		if !found {
			n := &dt.defs[j]
			t.mac, t.pci, t.alias, t.prev = macOf(n), pciOf(n), aliasOf(n), sourceOf(n)
		}
	}
	return t, nil
}

func sourceOf(n *libvirtxml.DomainInterface) Source {
	return Source{Type: NICType(n), Source: NICSource(n)}
}

// readDomText reads the guest's persistent XML (with secrets) and locates its NICs.
func readDomText(d *libvirt.Domain) (*domText, error) {
	x, err := configText(d)
	if err != nil {
		return nil, err
	}
	return parseDomText(x)
}

// undo is what a change of t needs to undo itself, for scope sc.
func (t *nicTarget) undo(name string, sc Scope) (nicUndo, error) {
	u := nicUndo{Domain: name, MAC: t.mac, PCI: t.pci, Alias: t.alias, LiveTouched: sc.Live}
	if t.cfg != nil {
		u.Config = t.cfg.text
	}
	if t.live != nil {
		x, err := deviceText(t.liveText)
		if err != nil {
			return u, err
		}
		u.Live = x
	}
	return u, nil
}
