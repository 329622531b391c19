package persist

import (
	"bytes"
	"fmt"
	"os"
	"sort"

	"rewire/bindings/errkind"
	"rewire/bindings/files"
	"rewire/bindings/handover"
	"rewire/bindings/host"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

// Options say what Save persists.
type Options struct {
	// Devices to persist; nil: every device the session's open
	// transaction touched. Their masters, ports (guests' taps aside) and
	// VLAN parents come along.
	Devices []string
	// DryRun renders and validates, and writes nothing.
	DryRun bool
	// Roots overrides host.RootsFor(target) (tests: the sandbox's).
	Roots *host.Roots
	// Managers is where the managers are asked who owns each device;
	// nil: the session's target. A plan, whose session acts on a
	// replica where no manager runs, passes the real host.
	Managers *target.Target
}

// Written is one file Save wrote (or, dry, would write).
type Written struct {
	Path    string `json:"path"`
	Device  string `json:"device,omitempty"`
	Flavour string `json:"flavour"`
	// Action is create, write or unchanged (the file says it already).
	Action  string `json:"action"`
	Content string `json:"content,omitempty"` // with DryRun
}

// Save persists the live result of the session's transaction in the
// configuration of the manager that owns each device, and the sysctls
// the transaction set: it reads the devices, finds their managers
// (host.DeviceOf; a device the transaction made takes its ports'),
// renders every file, validates them all, and only then writes them
// through bindings/files (journaled, rolled back byte for byte, listed by
// a plan). NetworkManager, when it runs, reloads its profiles (and again
// after a rollback restored them).
func Save(s *tx.Session, o Options) ([]Written, error) {
	roots := host.RootsFor(s.Target)
	if o.Roots != nil {
		roots = *o.Roots
	}
	sts := steps(s)
	ask := s.Target
	if o.Managers != nil {
		ask = o.Managers
	}
	all, hds, err := collect(s.Target, ask, roots, o.Devices, sts)
	if err != nil {
		return nil, err
	}
	w := &world{Etc: roots.Etc, Run: roots.Run, Var: roots.Var, All: all, Read: readFile, Netns: ask.NetnsPath}
	out, err := render(w)
	if err != nil {
		return nil, errkind.Invalid("%w", err)
	}
	if f, ok := renderSysctl(w, sysctls(sts)); ok {
		out = append(out, f)
	}
	boot, err := bootFiles(s.Target, w, sts)
	if err != nil {
		return nil, err
	}
	out = append(out, boot...)
	if err := validate(s.Target, roots.Etc, out); err != nil {
		return nil, err
	}
	res := make([]Written, 0, len(out))
	var todo []File
	for _, f := range out {
		wr := Written{Path: f.Path, Device: f.Device, Flavour: f.Flavour, Action: "create"}
		if f.Link != "" {
			cur, err := files.Readlink(f.Path)
			if err != nil {
				return nil, err
			}
			if cur == f.Link {
				wr.Action = "unchanged"
			} else if cur != "" {
				wr.Action = "write"
			}
		} else if st, err := files.Capture(f.Path); err == nil && st.Exists {
			wr.Action = "write"
			if bytes.Equal(st.Content, []byte(f.Content)) && st.Mode == f.Mode {
				wr.Action = "unchanged"
			}
		}
		if o.DryRun {
			wr.Content = f.Content
			if f.Link != "" {
				wr.Content = "-> " + f.Link
			}
		} else if wr.Action != "unchanged" {
			todo = append(todo, f)
		}
		res = append(res, wr)
	}
	nets, err := saveAutostart(s, autostarts(sts), o.DryRun)
	res = append(res, nets...)
	if err != nil {
		return res, err
	}
	if o.DryRun || len(todo) == 0 {
		return res, nil
	}
	// A plan lists the writes (it never makes them): nothing to reload,
	// then or at its rollback.
	nm := nmRuns(hds) && !listsFiles(s)
	if nm {
		if err := reloadAtRollback(s, roots); err != nil {
			return nil, err
		}
	}
	for _, f := range todo {
		if f.Link != "" {
			if err := files.Symlink(s, f.Path, f.Link); err != nil {
				return nil, fmt.Errorf("link %s: %w", f.Path, err)
			}
			continue
		}
		if err := files.Write(s, f.Path, []byte(f.Content), f.Mode); err != nil {
			return nil, fmt.Errorf("write %s: %w", f.Path, err)
		}
	}
	if nm && !s.DryRun {
		if err := reloadNM(roots); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func readFile(p string) (string, bool) {
	b, err := os.ReadFile(p)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// collect reads the devices to persist and gives each its manager.
func collect(tg, ask *target.Target, roots host.Roots, names []string, sts []*tx.Step) (map[string]*Owned, map[string]host.Device, error) {
	ls, err := readLinks(tg)
	if err != nil {
		return nil, nil, err
	}
	explicit := names != nil
	if !explicit {
		names = touched(sts)
	}
	want := map[string]bool{}
	var add func(n string, named bool) error
	add = func(n string, named bool) error {
		if want[n] {
			return nil
		}
		l, ok := ls.byName[n]
		if !ok {
			if named {
				return errkind.NotFound("%s: no such interface", n)
			}
			return nil // deleted by the transaction: nothing to keep
		}
		if kindOf(l) == "" {
			if named {
				return errkind.Invalid("%s: a %s device is not kept by a network manager", n, l.Type())
			}
			return nil
		}
		want[n] = true
		if m, ok := ls.byIndex[l.Attrs().MasterIndex]; ok && l.Attrs().MasterIndex != 0 {
			if err := add(m.Attrs().Name, false); err != nil {
				return err
			}
		}
		for _, p := range ls.ports(l) {
			if err := add(p, false); err != nil {
				return err
			}
		}
		if p, ok := ls.byIndex[l.Attrs().ParentIndex]; ok && l.Type() == "vlan" {
			return add(p.Attrs().Name, false)
		}
		return nil
	}
	for _, n := range names {
		if err := add(n, explicit); err != nil {
			return nil, nil, err
		}
	}
	leases := movedLeases(sts)
	all := map[string]*Owned{}
	hds := map[string]host.Device{}
	var sorted []string
	for n := range want {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		hd, err := host.DeviceOf(ask, roots, n)
		if errkind.Is(err, errkind.KindNotFound) && ask != tg {
			hd, err = host.Device{Name: n, Manager: host.None}, nil // made by the plan, on its replica only
		}
		if err != nil {
			return nil, nil, err
		}
		if c, ok := handover.ClaimIn(sts, n); ok && c.Manager != "" {
			// Detection sees rewire's own hand-over now; the manager it
			// took the device from keeps its configuration.
			hd.Manager, hd.File, hd.UUID, hd.Profile = c.Manager, c.File, c.UUID, c.Profile
			hd.Frontend, hd.Source = c.Frontend, c.Source
		}
		hds[n] = hd
		live := hd // the addresses and their origins: the session's target's
		if ask != tg {
			if live, err = host.DeviceOf(tg, roots, n); err != nil {
				return nil, nil, err
			}
		}
		d, err := readDev(tg, ls, live, leases[n])
		if err != nil {
			return nil, nil, err
		}
		o := own(d, hd)
		all[n] = &o
	}
	fallback := func() (Owned, bool) {
		ms, err := host.Managers(ask, roots)
		if err != nil {
			return Owned{}, false
		}
		return hostManager(ms)
	}
	underNetplan(all)
	if err := inherit(all, hds, fallback); err != nil {
		return nil, nil, err
	}
	return all, hds, nil
}

// validate runs each flavour's validator over its files.
func validate(tg *target.Target, etc string, out []File) error {
	by := map[string][]File{}
	for _, f := range out {
		by[f.Flavour] = append(by[f.Flavour], f)
	}
	var flavours []string
	for f := range by {
		flavours = append(flavours, f)
	}
	sort.Strings(flavours)
	for _, fl := range flavours {
		if v := validators[fl]; v != nil {
			if err := v(tg, etc, by[fl]); err != nil {
				return err
			}
		}
	}
	return nil
}

// listsFiles says whether the session lists file writes instead of
// making them (`rewire plan`: tx.Session.Simulate).
func listsFiles(s *tx.Session) bool {
	return s.Simulate != nil && s.Simulate(tx.Change{Kind: "files.write"})
}
