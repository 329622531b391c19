package domain

import (
	"fmt"

	"libvirt.org/go/libvirt"

	"rewire/bindings/tx"
	"rewire/bindings/virtconn"
	"rewire/lua/engine"
)

// guestNIC is one NIC change of a guest's batch, worked out against the
// views read once for the batch.
type guestNIC struct {
	NICChange
	t    *nicTarget
	live string // the device XML the running guest gets ("" = left alone)
	elem string // the NIC's new element in the persistent XML ("" = left alone)
}

// setGuestNICs re-points NICs of one guest, in order, each its own
// journaled change, with what libvirt does once per guest done once: the
// guest is looked up and its XML read once, every live device is updated
// in turn (`virsh update-device --live` each), and the persistent XML,
// with every NIC's element edited in the text, is defined once, by the
// last change that edits it; the last change checks that it differs from
// before in those NICs only.
//
// Undo stays exact change by change: each restores its live device; the
// first change that edits the persistent XML holds it from before the
// batch, the one that defines it the XML it found (the earlier NICs'
// edits), so that undoing that one alone (a failed check) leaves what the
// earlier changes made, and undoing all leaves the guest as it was. stop
// is asked before each NIC (another guest failed). An error comes with
// the NIC it is about.
func setGuestNICs(s *tx.Session, name string, cs []NICChange, stop func() bool) (NICRef, error) {
	d, err := Lookup(s.Target, name)
	if err != nil {
		return cs[0].NIC, err
	}
	defer d.Free()
	st := statusOf(d)
	needLive, needCfg := false, st.persistent
	for _, c := range cs {
		needLive = needLive || needsLive(c.NIC, c.Scope, st)
	}
	v, err := readViews(d, needLive, needCfg)
	if err != nil {
		return cs[0].NIC, err
	}
	nics, ref, err := planGuestNICs(name, cs, v)
	if err != nil {
		return ref, err
	}
	firstCfg, defines := -1, -1
	for i, n := range nics {
		if n.elem != "" {
			defines = i
			if firstCfg < 0 {
				firstCfg = i
			}
		}
	}
	cur := v.cfg // the persistent XML as the changes so far leave it
	// settle defines the edits made so far when the batch stops before
	// the change that would have: what the journal calls done is done.
	settle := func(i int) {
		if !s.DryRun && i > firstCfg && i <= defines {
			define(s.Target, cur.text)
		}
	}
	for i, n := range nics {
		if stop() {
			settle(i)
			return NICRef{}, nil
		}
		u := nicUndo{Domain: name, MAC: n.t.mac, PCI: n.t.pci, Alias: n.t.alias, LiveTouched: n.Scope.Live,
			After: Source{Type: n.Source.Type, Source: n.Source.Source}}
		if n.t.live != nil {
			if u.Live, err = deviceText(n.t.liveText); err != nil {
				return n.NIC, err
			}
		}
		next := cur
		if n.elem != "" {
			at, err := identify(name, cur.defs, n.t.mac, n.t.pci, n.t.alias, "persistent config")
			if err != nil {
				return n.NIC, err
			}
			u.CfgNIC = cur.nicText(at)
			if i == firstCfg || i == defines {
				u.Config = cur.text
			}
			if next, err = cur.withNIC(at, n.elem); err != nil {
				return n.NIC, err
			}
		}
		definesHere, checksHere := i == defines, i == len(nics)-1
		apply := func() error {
			if n.live != "" {
				if err := d.UpdateDeviceFlags(n.live, libvirt.DOMAIN_DEVICE_MODIFY_LIVE); err != nil {
					return virtconn.Err(err)
				}
			}
			if definesHere {
				if err := define(s.Target, next.text); err != nil {
					return err
				}
			}
			if checksHere {
				return checkBatch(d, name, v.cfg, nics)
			}
			return nil
		}
		desc := fmt.Sprintf("%s NIC %s: %s -> %s (%s)", name, n.t.mac, n.t.prev, u.After, n.Scope)
		if err := nicKind.Apply(s, "domain:"+name+":nic:"+n.t.mac, desc, u, apply); err != nil {
			settle(i)
			return n.NIC, err
		}
		cur = next
	}
	return NICRef{}, nil
}

// planGuestNICs locates every NIC of the batch in the views and works out
// its new device and element, before anything changes.
func planGuestNICs(name string, cs []NICChange, v views) ([]guestNIC, NICRef, error) {
	var out []guestNIC
	seen := map[string]bool{}
	for _, c := range cs {
		t, err := locateIn(name, c.NIC, c.Scope, v)
		if err != nil {
			return nil, c.NIC, err
		}
		if seen[t.mac+t.pci] {
			return nil, c.NIC, engine.Invalid("domain %s: NIC %s is listed twice", name, c.NIC)
		}
		seen[t.mac+t.pci] = true
		n := guestNIC{NICChange: c, t: t}
		if t.live != nil {
			if n.live, err = repointText(t.liveText, c.Source); err != nil {
				return nil, c.NIC, err
			}
		}
		if t.cfg != nil {
			if n.elem, err = repointText(t.cfg.nicText(t.cfgAt), c.Source); err != nil {
				return nil, c.NIC, err
			}
		}
		out = append(out, n)
	}
	return out, NICRef{}, nil
}

// checkBatch checks the guest's persistent XML once the batch is made:
// every edited NIC has its new source, and nothing else differs from
// before — for a live-only batch, nothing at all. Anything else is an
// error, so the transaction undoes the change.
func checkBatch(d *libvirt.Domain, name string, before *domText, nics []guestNIC) error {
	if before == nil {
		return nil // a transient guest: no persistent XML
	}
	now, err := readDomText(d)
	if err != nil {
		return err
	}
	var bis, ais []int
	for _, n := range nics {
		if n.elem == "" {
			continue
		}
		ai, err := identify(name, now.defs, n.t.mac, n.t.pci, n.t.alias, "persistent config")
		if err != nil {
			return fmt.Errorf("domain %s: re-pointing NIC %s: %v; undone", name, n.t.mac, err)
		}
		if got := sourceOf(&now.defs[ai]); got.Type != n.Source.Type || got.Source != n.Source.Source {
			return fmt.Errorf("domain %s: re-pointing NIC %s: it is %s, want %s; undone", name, n.t.mac, got, n.Source)
		}
		bis, ais = append(bis, n.t.cfgAt), append(ais, ai)
	}
	diff, err := onlyNICsDiffer(before.text, now.text, bis, ais)
	if err != nil {
		return err
	}
	if diff != "" {
		return fmt.Errorf("domain %s: re-pointing NICs changed more than those NICs (first difference: %s); undone", name, diff)
	}
	return nil
}
