package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The guardian's transient-unit path needs systemd as PID 1, which the
// machine the suite runs on may not have: this runs each payload of
// testdata/debian (guardian: issue 12, a session scope -- systemd-run's and
// a real logind session's -- stopped or killed under a run, a pending run, a
// REPL, and the setsid guardian dying with it; reboot: a
// payload across a guest reboot; net: a NIC on a tap in a namespace of its
// own) in a Debian 12 guest booted with systemd under QEMU
// (testdata/debian/README.md), one subtest each. They take minutes (the
// first time also the image, ~2 min), so only with REWIRE_VM_TESTS=1;
// `make test` calls the harness directly.
func TestDebianGuest(t *testing.T) {
	runs, err := filepath.Glob("../../testdata/debian/*/run")
	check(t, err)
	if len(runs) == 0 {
		t.Fatal("no payloads in testdata/debian")
	}
	for _, r := range runs {
		name := filepath.Base(filepath.Dir(r))
		t.Run(name, func(t *testing.T) { runDebianPayload(t, name) })
	}
}

var debianVerdict = regexp.MustCompile(`^debian-vm: (\d+) passed, (\d+) failed$`)

func runDebianPayload(t *testing.T, name string) {
	if os.Getenv("REWIRE_VM_TESTS") == "" {
		t.Skip("a Debian guest under QEMU takes minutes: set REWIRE_VM_TESTS=1 (or run bash testdata/debian/run-tests.sh)")
	}
	if os.Geteuid() != 0 {
		t.Skip("the Debian guest harness builds its image as root (mmdebstrap --mode=root)")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)")
	}
	script, err := filepath.Abs("../../testdata/debian/run-tests.sh")
	check(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script, name)
	cmd.Dir = filepath.Dir(filepath.Dir(filepath.Dir(script)))
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	check(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); pw.Close() }()
	verdict := ""
	var notOK []string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		t.Log(line)
		if strings.HasPrefix(line, "not ok ") {
			notOK = append(notOK, line)
		}
		if debianVerdict.MatchString(line) {
			verdict = line
		}
	}
	err = <-done
	for _, l := range notOK {
		t.Error(l)
	}
	if err != nil {
		t.Fatalf("%s: %v (verdict: %q)", name, err, verdict)
	}
	if m := debianVerdict.FindStringSubmatch(verdict); m == nil || m[2] != "0" || m[1] == "0" {
		t.Fatalf("%s: verdict %q", name, verdict)
	}
}
