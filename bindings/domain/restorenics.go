package domain

import (
	"fmt"

	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/target"
)

// restoreNICs is restoreNIC of a run of one guest's changes, newest first
// (a rollback's): every live device restored in turn from one read of the
// running XML, then the oldest persistent XML the run holds (the first
// config-editing change's) defined once — what restoring each in turn
// would leave, since each later define is overwritten by an earlier one —
// then both checked. One error per change: a live half on its change, the
// define on every change that holds an XML.
func restoreNICs(tg *target.Target, us []nicUndo) []error {
	errs := make([]error, len(us))
	d, err := Lookup(tg, us[0].Domain)
	if err != nil {
		if !isNotFound(err) { // (a guest that is gone has nothing to restore)
			for i := range errs {
				errs[i] = err
			}
		}
		return errs
	}
	defer d.Free()
	if statusOf(d).active {
		restoreLiveNICs(d, us, errs)
	}
	oldest := -1
	for i, u := range us {
		if u.Config != "" {
			oldest = i
		}
	}
	if oldest < 0 {
		return errs
	}
	err = define(tg, us[oldest].Config)
	if err == nil {
		err = checkConfigIs(d, us[oldest].Config)
	}
	if err != nil {
		for i, u := range us {
			if u.Config != "" && errs[i] == nil {
				errs[i] = fmt.Errorf("domain %s: redefine: %w", u.Domain, err)
			}
		}
	}
	return errs
}

// restoreLiveNICs restores each change's live device (errs[i] its
// outcome), reading the running XML again only for a NIC the run has
// already touched, then checks each NIC is as its oldest change found it.
func restoreLiveNICs(d *libvirt.Domain, us []nicUndo, errs []error) {
	oldest := map[string]int{}
	for i, u := range us {
		if u.LiveTouched {
			oldest[u.key()] = i
		}
	}
	if len(oldest) == 0 {
		return
	}
	var nics []libvirtxml.DomainInterface
	touched := map[string]bool{}
	for i, u := range us {
		if !u.LiveTouched {
			continue
		}
		var err error
		if nics == nil || touched[u.key()] {
			if nics, err = liveNICs(d); err == nil {
				clear(touched)
			}
		}
		if err == nil {
			touched[u.key()] = true
			err = setLiveNICIn(d, u, u.Live, nics)
		}
		if err != nil {
			errs[i] = fmt.Errorf("domain %s NIC %s live: %w", u.Domain, u.MAC, err)
		}
	}
	now, err := liveNICs(d)
	for _, i := range oldest {
		if errs[i] != nil {
			continue
		}
		if err == nil {
			err = us[i].liveIsBack(now)
		}
		if err != nil {
			errs[i] = fmt.Errorf("domain %s NIC %s live: %w", us[i].Domain, us[i].MAC, err)
		}
	}
}

// key tells a change's NIC apart from the guest's others.
func (u nicUndo) key() string { return u.MAC + " " + u.PCI + " " + u.Alias }

// liveIsBack checks the running guest's NICs show u's NIC as it was:
// absent, or of its old type and source.
func (u nicUndo) liveIsBack(nics []libvirtxml.DomainInterface) error {
	cur, err := u.find(nics, "running guest")
	if err != nil {
		return err
	}
	if u.Live == "" {
		if cur != nil {
			return fmt.Errorf("still plugged in after the undo")
		}
		return nil
	}
	var w libvirtxml.DomainInterface
	if err := w.Unmarshal(u.Live); err != nil {
		return err
	}
	if cur == nil {
		return fmt.Errorf("not plugged in after the undo")
	}
	if got, want := sourceOf(cur), sourceOf(&w); got != want {
		return fmt.Errorf("is %s after the undo, want %s", got, want)
	}
	return nil
}

// checkConfigIs checks the guest's persistent XML is want: the same
// text, or the same tree (libvirt may lay out what it is given anew).
func checkConfigIs(d *libvirt.Domain, want string) error {
	now, err := configText(d)
	if err != nil || now == want {
		return err
	}
	diff, err := onlyNICsDiffer(want, now, nil, nil)
	if err != nil {
		return err
	}
	if diff != "" {
		return fmt.Errorf("the persistent XML differs from before at %s", diff)
	}
	return nil
}
