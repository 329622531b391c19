// Package nstest makes throw-away network namespaces for tests, bound to a
// file so that a journal can name them and a later process can re-enter
// them, as containernetworking's testutils.NewNS does.
package nstest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"rewire/bindings/target"
)

// New creates a fresh network namespace with lo up, bound at a file under
// t.TempDir(), and removes it when the test ends.
func New(t testing.TB) *target.Target {
	t.Helper()
	path, err := Create(filepath.Join(t.TempDir(), "netns"))
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	tg := target.AtPath("test", path)
	t.Cleanup(func() {
		tg.Close()
		Remove(path)
	})
	h, err := tg.Handle()
	if err != nil {
		t.Fatal(err)
	}
	lo, err := h.LinkByName("lo")
	if err == nil {
		err = h.LinkSetUp(lo)
	}
	if err != nil {
		t.Fatalf("lo up: %v", err)
	}
	return tg
}

// Create makes a new network namespace and bind-mounts it at path.
func Create(path string) (string, error) {
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	f.Close()
	errc := make(chan error, 1)
	go func() {
		// This thread enters the new namespace and is never unlocked, so
		// the runtime discards it rather than reuse it elsewhere.
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
		return "", fmt.Errorf("bind namespace at %s: %w", path, err)
	}
	return path, nil
}

// Remove unmounts and deletes a namespace made by Create.
func Remove(path string) {
	unix.Unmount(path, unix.MNT_DETACH)
	os.Remove(path)
}
