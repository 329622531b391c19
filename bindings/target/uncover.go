package target

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/sys/unix"
)

// uncover removes path when its namespace binding lies beneath one or more
// self-binds of its directory, as a binding made before `ip netns add`
// self-bound /run/netns does: no unmount through the path reaches it.
// The self-binds are lifted (lazily detached) until the file can go, then
// the directory is made a shared self-bind again and every other namespace
// that was bound in it is bound back at its name, so nobody else's
// `ip netns` namespace goes missing.
func uncover(path string) error {
	dir := filepath.Dir(path)
	kept := map[string]*os.File{}
	defer func() {
		for _, f := range kept {
			f.Close()
		}
	}()
	err := liftUntilRemoved(dir, path, kept)
	if rerr := restoreDir(dir, kept); err == nil {
		err = rerr
	}
	return err
}

func liftUntilRemoved(dir, path string, kept map[string]*os.File) error {
	for i := 0; i < maxStack; i++ {
		if err := liftSelfBind(dir, path, kept); err != nil {
			return err
		}
		detachAll(path)
		err := os.Remove(path)
		if err == nil || os.IsNotExist(err) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) {
			return err
		}
	}
	return fmt.Errorf("still bound after lifting %d self-binds of %s", maxStack, dir)
}

// liftSelfBind detaches the self-bind visible at dir, first holding open
// the namespaces bound in it (but path's), so they can be bound back.
func liftSelfBind(dir, path string, kept map[string]*os.File) error {
	all, err := mounts()
	if err != nil {
		return err
	}
	top, under, ok := topMount(all, dir)
	if !ok || !isSelfBind(top, under) {
		return fmt.Errorf("still bound, beneath no self-bind of %s that could be lifted", dir)
	}
	for _, m := range all {
		if m.parent != top.id || m.point == path || kept[m.point] != nil {
			continue
		}
		if m.fstype != "nsfs" {
			return fmt.Errorf("still bound beneath %s, which also holds a %s mount at %s: not lifting it", dir, m.fstype, m.point)
		}
		f, err := os.Open(m.point)
		if err != nil {
			return fmt.Errorf("hold %s: %w", m.point, err)
		}
		kept[m.point] = f
	}
	if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
		return fmt.Errorf("lift the self-bind of %s: %w", dir, err)
	}
	return nil
}

// restoreDir makes dir a shared self-bind again and binds each held
// namespace back at its name, unless one is visible there already.
func restoreDir(dir string, kept map[string]*os.File) error {
	errs := []error{shareDir(dir)}
	names := make([]string, 0, len(kept))
	for p := range kept {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		if IsNS(p) {
			continue
		}
		if f, err := os.OpenFile(p, os.O_CREATE|os.O_RDONLY, 0o444); err == nil {
			f.Close()
		}
		src := fmt.Sprintf("/proc/self/fd/%d", kept[p].Fd())
		if err := unix.Mount(src, p, "none", unix.MS_BIND, ""); err != nil {
			errs = append(errs, fmt.Errorf("bind %s back: %w", p, err))
		}
	}
	return errors.Join(errs...)
}
