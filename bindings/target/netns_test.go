package target_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
)

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
}

// ipSelfBind does to dir what `ip netns add` does to /run/netns when it is
// no mount point yet; the directory's mounts are lifted when the test ends.
func ipSelfBind(t *testing.T, dir string) {
	t.Helper()
	for _, m := range []struct {
		src   string
		flags uintptr
	}{{dir, unix.MS_BIND | unix.MS_REC}, {"", unix.MS_PRIVATE | unix.MS_REC}, {"", unix.MS_SHARED | unix.MS_REC}} {
		if err := unix.Mount(m.src, dir, "none", m.flags, ""); err != nil {
			t.Fatalf("self-bind %s: %v", dir, err)
		}
	}
	t.Cleanup(func() {
		for i := 0; i < 64 && target.IsMountPoint(dir); i++ {
			unix.Unmount(dir, unix.MNT_DETACH)
		}
	})
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func createNS(t *testing.T, name, path string) {
	t.Helper()
	tg, err := target.CreateNS(name, path)
	if err != nil {
		t.Fatal(err)
	}
	tg.Close()
	t.Cleanup(func() { target.RemoveNS(path) })
}

// requireGone checks that path is neither a file nor a mount point in any
// layer of the mount table.
func requireGone(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("%s still exists (%v)", path, err)
	}
	if target.IsMountPoint(path) {
		t.Errorf("something is still mounted at %s", path)
	}
}

// A namespace bound before its directory became a self-bind (an old
// binary's lab, then `ip netns add`) lies beneath it: the path reaches only
// the copy, so unlinking is EBUSY. RemoveNS uncovers and removes it and
// keeps the namespaces bound since.
func TestRemoveNSUncoversHiddenBinding(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	old, keep := filepath.Join(dir, "old"), filepath.Join(dir, "keep")
	nstest.BindPlain(t, old)
	ipSelfBind(t, dir)
	createNS(t, "keep", keep)
	keepIno := inode(t, keep)

	// What `ip netns del old` does, and how it fails.
	unix.Unmount(old, unix.MNT_DETACH)
	if err := os.Remove(old); !errors.Is(err, unix.EBUSY) {
		t.Fatalf("removing a hidden binding: got %v, want EBUSY (the case is not reproduced)", err)
	}
	if err := target.RemoveNS(old); err != nil {
		t.Fatalf("RemoveNS of a hidden binding: %v", err)
	}
	requireGone(t, old)
	if !target.IsNS(keep) || inode(t, keep) != keepIno {
		t.Errorf("namespace %s was not kept across the uncovering", keep)
	}
	if !target.IsMountPoint(dir) {
		t.Errorf("%s is no self-bind after the uncovering", dir)
	}
	if err := target.RemoveNS(keep); err != nil {
		t.Fatal(err)
	}
	requireGone(t, keep)
}

// Self-binds stacked twice (parallel `ip netns add`, Debian bug 949235)
// are lifted one by one.
func TestRemoveNSStackedSelfBinds(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	old := filepath.Join(dir, "old")
	nstest.BindPlain(t, old)
	ipSelfBind(t, dir)
	ipSelfBind(t, dir)
	if err := target.RemoveNS(old); err != nil {
		t.Fatalf("RemoveNS under two self-binds: %v", err)
	}
	requireGone(t, old)
}

func ipNetns(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"netns"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip netns %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// testName is a namespace name in /run/netns no one else uses.
func testName(what string) string { return fmt.Sprintf("rewire-test-%d-%s", os.Getpid(), what) }

// In /run/netns, CreateNS follows iproute2: `ip netns add` and `del` of
// another namespace afterwards leave its binding removable, and it can be
// made again. Run under flock /tmp/rewire-lab.lock.
func TestRunDirFollowsIproute2(t *testing.T) {
	needRoot(t)
	nstest.RunDirAsFound(t)
	path := filepath.Join(target.RunDir, testName("ns"))
	createNS(t, "ns", path)
	if !target.IsMountPoint(target.RunDir) {
		t.Fatalf("%s is no mount point after CreateNS", target.RunDir)
	}
	x := testName("x")
	ipNetns(t, "add", x)
	ipNetns(t, "del", x)
	if out := ipNetns(t, "exec", filepath.Base(path), "ip", "-br", "link", "show", "lo"); !strings.Contains(out, "UNKNOWN") {
		t.Errorf("lo in %s as ip sees it: %q, want up", path, out)
	}
	if err := target.RemoveNS(path); err != nil {
		t.Fatalf("RemoveNS after ip netns add/del: %v", err)
	}
	requireGone(t, path)
	createNS(t, "ns", path)
	if !target.IsNS(path) {
		t.Errorf("%s not made again", path)
	}
}

// A namespace an old binary bound in a plain /run/netns, hidden by a later
// `ip netns add`, defeats `ip netns del` and is removed by RemoveNS;
// namespaces ip added meanwhile stay usable. Run under the lab's flock.
func TestRunDirOldBindingUncovered(t *testing.T) {
	needRoot(t)
	nstest.RunDirAsFound(t)
	nstest.PlainRunDir(t)
	old := filepath.Join(target.RunDir, testName("old"))
	nstest.BindPlain(t, old)
	x, keep := testName("x"), testName("keep")
	ipNetns(t, "add", x)
	ipNetns(t, "add", keep)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", keep).Run() })
	ipNetns(t, "del", x)
	if out, err := exec.Command("ip", "netns", "del", filepath.Base(old)).CombinedOutput(); err == nil {
		t.Fatalf("ip netns del of a hidden binding succeeded (%s): the case is not reproduced", out)
	}
	if err := target.RemoveNS(old); err != nil {
		t.Fatalf("RemoveNS of a hidden binding: %v", err)
	}
	requireGone(t, old)
	if !target.IsMountPoint(target.RunDir) {
		t.Errorf("%s is no self-bind after the uncovering", target.RunDir)
	}
	ipNetns(t, "exec", keep, "true")
	ipNetns(t, "del", keep)
	requireGone(t, filepath.Join(target.RunDir, keep))
}
