package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The front binary (built without cgo) runs a script that needs no
// libvirt itself and hands every other command, and every script that
// names a libvirt module, to rewire-libvirt beside it.
func TestFrontHandsOffWhatNeedsLibvirt(t *testing.T) {
	dir := t.TempDir()
	front := filepath.Join(dir, "rewire")
	build := exec.Command("go", "build", "-o", front, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build (front): %v\n%s", err, out)
	}
	state := t.TempDir()
	// Each run is in a network namespace of its own: a script here runs
	// on "this host", which must not be the machine's.
	run := func(args ...string) (string, error) {
		c := exec.Command(front, args...)
		c.Env = append(os.Environ(), "REWIRE_LIBVIRT_BINARY=", "REWIRE_GUARDIAN=none")
		c.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
		out, err := c.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	hidden := `print(_G["dom" .. "ain"] == nil)` // names no libvirt module: the front runs it

	out, err := run("show")
	if err == nil || strings.Contains(out, "\n") || !strings.Contains(out, "rewire-libvirt not found beside "+front) {
		t.Fatalf("show without rewire-libvirt: %v, %q; want one line saying it is not found", err, out)
	}
	if out, err := run("run", "--state-dir", state, "-e", hidden); err != nil || out != "true" {
		t.Fatalf("front run without rewire-libvirt: %v, %q; want it run by the front (no domain module)", err, out)
	}

	if err := os.Symlink(rewireBin(t), filepath.Join(dir, libvirtBinaryName)); err != nil {
		t.Fatal(err)
	}
	if out, err := run("--version"); err != nil || !strings.Contains(out, "libvirt ") {
		t.Fatalf("--version: %v, %q; want rewire-libvirt's, naming libvirt", err, out)
	}
	if out, err := run("run", "--state-dir", state, "-e", `print(domain ~= nil)`); err != nil || out != "true" {
		t.Fatalf("a chunk naming domain: %v, %q; want it handed to rewire-libvirt, which has the module", err, out)
	}
	if out, err := run("run", "--state-dir", state, "-e", hidden); err != nil || out != "true" {
		t.Fatalf("a chunk naming no libvirt module: %v, %q; want it run by the front", err, out)
	}
	if out, err := run("run", "--state-dir", state, "--dry-run", "-e", `print("planned")`); err != nil || !strings.Contains(out, "planned") {
		t.Fatalf("--dry-run: %v, %q; want rewire-libvirt's plan", err, out)
	}
}
