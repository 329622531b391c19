package lab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
)

// runDirLab is the lab at its real place, /run/netns/rewire-lab and
// rewire-lan, with its state in a temporary directory. Those names are
// global: run under flock /tmp/rewire-lab.lock; a lab already up (someone's
// `rewire lab up`) is not ours, and the test is skipped then.
func runDirLab(t *testing.T) *Lab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the lab needs root (network namespaces)")
	}
	if _, err := exec.LookPath("libvirtd"); err != nil {
		t.Skip("libvirtd is not installed: the lab needs libvirt-daemon and qemu-system-x86")
	}
	l := &Lab{NetnsDir: target.RunDir, Dir: t.TempDir()}
	for _, p := range []string{l.HostPath(), l.LANPath()} {
		if _, err := os.Lstat(p); err == nil {
			t.Skipf("%s exists: a lab is up on this machine (rewire lab down to free it)", p)
		}
	}
	nstest.RunDirAsFound(t)
	t.Cleanup(func() { l.Down(func(string) {}) })
	return l
}

func ipNetns(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", append([]string{"netns"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("ip netns %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// addDelOther is someone's `ip netns add x; ip netns del x` next to the lab.
func addDelOther(t *testing.T) {
	t.Helper()
	x := fmt.Sprintf("rewire-test-%d-x", os.Getpid())
	ipNetns(t, "add", x)
	ipNetns(t, "del", x)
}

func down(t *testing.T, l *Lab) {
	t.Helper()
	if err := l.Down(func(m string) { t.Log(m) }); err != nil {
		t.Fatalf("lab down: %v", err)
	}
	for _, p := range []string{l.HostPath(), l.LANPath()} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("lab down left %s (%v)", p, err)
		}
		if target.IsMountPoint(p) {
			t.Errorf("lab down left a mount at %s", p)
		}
	}
}

func up(t *testing.T, l *Lab) {
	t.Helper()
	if err := l.Up(func(m string) { t.Log(m) }); err != nil {
		t.Fatalf("lab up: %v", err)
	}
	if !l.IsUp() {
		t.Fatal("lab up returned, but the lab host namespace is not there")
	}
}

// With the lab up, `ip netns add` and `del` of another namespace must not
// strand the lab's bindings: lab down removes every trace, lab up works
// again (issue 12: EBUSY on down, EEXIST on up).
func TestLabAfterIPNetnsAddDel(t *testing.T) {
	l := runDirLab(t)
	up(t, l)
	if !target.IsMountPoint(target.RunDir) {
		t.Errorf("lab up left %s no self-bind: ip netns add would hide the lab under one", target.RunDir)
	}
	addDelOther(t)
	out, err := exec.Command("ip", "-n", HostNS, "-br", "addr", "show", NIC).CombinedOutput()
	if err != nil || !strings.Contains(string(out), HostIP) {
		t.Errorf("ip -n %s sees %s as %q (%v), want %s on it", HostNS, NIC, out, err, HostIP)
	}
	down(t, l)
	up(t, l)
	down(t, l)
}

// bindOldLab binds the lab's namespaces in a plain /run/netns, as a binary
// from before iproute2's convention did, then someone adds and deletes a
// namespace with ip: the self-bind it makes hides both bindings.
func bindOldLab(t *testing.T, l *Lab) {
	t.Helper()
	nstest.PlainRunDir(t)
	nstest.BindPlain(t, l.LANPath())
	nstest.BindPlain(t, l.HostPath())
	addDelOther(t)
}

// Such a lab is cleaned by lab down, and lab up works after it.
func TestLabDownCleansOldHiddenBindings(t *testing.T) {
	l := runDirLab(t)
	bindOldLab(t, l)
	down(t, l)
	up(t, l)
	down(t, l)
}

// And when an old `lab down` already failed on it (the top copy unbound,
// the file left behind), lab up clears the leftovers and comes up.
func TestLabUpAfterOldFailedDown(t *testing.T) {
	l := runDirLab(t)
	bindOldLab(t, l)
	for _, p := range []string{l.HostPath(), l.LANPath()} {
		unix.Unmount(p, unix.MNT_DETACH)
		if err := os.Remove(p); err == nil {
			t.Fatalf("removed %s: the old failure is not reproduced", filepath.Base(p))
		}
	}
	up(t, l)
	down(t, l)
}
