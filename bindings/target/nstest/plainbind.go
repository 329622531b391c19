package nstest

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"rewire/bindings/target"
)

// BindPlain binds a fresh network namespace at path the way rewire did
// before it followed iproute2 — without making the directory a shared
// self-bind first — so a test can reproduce what an old binary left.
// The namespace is removed when the test ends.
func BindPlain(t testing.TB, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o444)
	if err != nil {
		t.Fatalf("namespace file: %v", err)
	}
	f.Close()
	t.Cleanup(func() { target.RemoveNS(path) })
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the runtime retires the thread left in the
		// new namespace instead of reusing it.
		runtime.LockOSThread()
		ns, err := netns.New()
		if err != nil {
			errc <- err
			return
		}
		defer ns.Close()
		errc <- unix.Mount(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()), path, "none", unix.MS_BIND, "")
	}()
	if err := <-errc; err != nil {
		t.Fatalf("bind a namespace at %s: %v", path, err)
	}
}
