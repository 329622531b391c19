package target

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// CreateNS makes a new network namespace bound at path — what
// `ip netns add NAME` does with /run/netns/NAME — and returns a Target for it.
// In RunDir it first makes the directory a shared self-bind as ip does;
// elsewhere (a test's or a plan's own directory) it binds plainly, so the
// caller can still remove that directory.
func CreateNS(name, path string) (*Target, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if dir == RunDir {
		if err := shareDir(dir); err != nil {
			return nil, fmt.Errorf("namespace %s: %w", name, err)
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o444)
	if err != nil {
		return nil, fmt.Errorf("namespace %s: %w", name, err)
	}
	f.Close()
	errc := make(chan error, 1)
	go func() {
		// This thread enters the new namespace and is never unlocked, so
		// the runtime retires it instead of reusing it elsewhere.
		runtime.LockOSThread()
		ns, err := netns.New()
		if err != nil {
			errc <- fmt.Errorf("unshare: %w", err)
			return
		}
		defer ns.Close()
		src := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
		errc <- unix.Mount(src, path, "none", unix.MS_BIND, "")
	}()
	if err := <-errc; err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("namespace %s: bind at %s: %w", name, path, err)
	}
	t := AtPath(name, path)
	h, err := t.Handle()
	if err == nil {
		if l, lerr := h.LinkByName("lo"); lerr == nil {
			err = h.LinkSetUp(l)
		}
	}
	if err != nil {
		t.Close()
		RemoveNS(path)
		return nil, err
	}
	return t, nil
}

// RemoveNS unbinds and deletes a namespace made by CreateNS, as `ip netns
// del` does; the kernel then destroys its virtual links. Already gone is
// fine. A binding stacked more than once is unmounted until none is left,
// and one hidden beneath a later self-bind of its directory (bound there
// before `ip netns add` made the directory a mount point) is uncovered.
func RemoveNS(path string) error {
	detachAll(path)
	err := os.Remove(path)
	if err == nil || os.IsNotExist(err) {
		return nil
	}
	if !errors.Is(err, unix.EBUSY) {
		return err
	}
	if err := uncover(path); err != nil {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return nil
}

// maxStack bounds the unmount loops: more stacked mounts than this at one
// path is no state rewire or iproute2 makes.
const maxStack = 64

// detachAll lazily unmounts path until it is no mount point.
func detachAll(path string) {
	for i := 0; i < maxStack; i++ {
		if unix.Unmount(path, unix.MNT_DETACH) != nil {
			return // EINVAL: nothing (more) mounted there
		}
	}
}

// IsNS reports whether path is a bound network namespace.
func IsNS(path string) bool {
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return false
	}
	ns.Close()
	var st unix.Statfs_t
	return unix.Statfs(path, &st) == nil && st.Type == unix.NSFS_MAGIC
}
