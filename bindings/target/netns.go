package target

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// CreateNS makes a new network namespace bound at path — what
// `ip netns add NAME` does with /run/netns/NAME — and returns a Target for it.
func CreateNS(name, path string) (*Target, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
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

// RemoveNS unbinds and deletes a namespace made by CreateNS (`ip netns
// del`); the kernel then destroys its virtual links. Already gone is fine.
func RemoveNS(path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && err != unix.EINVAL && err != unix.ENOENT {
		return fmt.Errorf("unmount %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
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
