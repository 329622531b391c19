package nstest

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"rewire/bindings/target"
)

// Tests that use the real target.RunDir (/run/netns) share it with the lab
// and `ip netns`: run them under `flock /tmp/rewire-lab.lock`.

// RunDirAsFound puts /run/netns back as the test found it when the test
// ends: a self-bind made meanwhile (by `ip netns add` or CreateNS) is
// lifted once no namespace is bound in it, and a directory that did not
// exist is removed again.
func RunDirAsFound(t testing.TB) {
	t.Helper()
	_, err := os.Stat(target.RunDir)
	existed := err == nil
	wasMount := target.IsMountPoint(target.RunDir)
	t.Cleanup(func() {
		if len(boundIn(target.RunDir)) > 0 {
			return // someone's namespace: leave the directory as it is
		}
		if !wasMount {
			liftAll(target.RunDir)
		}
		if !existed {
			os.Remove(target.RunDir)
		}
	})
}

// PlainRunDir lifts the self-binds of /run/netns, so that a test can bind
// a namespace there as it was done before iproute2's convention. It skips
// the test when a namespace is bound there: that is someone else's.
func PlainRunDir(t testing.TB) {
	t.Helper()
	if ns := boundIn(target.RunDir); len(ns) > 0 {
		t.Skipf("namespaces bound in %s (%v): not lifting its mounts under them", target.RunDir, ns)
	}
	if err := os.MkdirAll(target.RunDir, 0o755); err != nil {
		t.Fatal(err)
	}
	liftAll(target.RunDir)
}

// boundIn lists the namespaces bound in dir.
func boundIn(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if target.IsNS(filepath.Join(dir, e.Name())) {
			out = append(out, e.Name())
		}
	}
	return out
}

func liftAll(dir string) {
	for i := 0; i < 64 && target.IsMountPoint(dir); i++ {
		unix.Unmount(dir, unix.MNT_DETACH)
	}
}
