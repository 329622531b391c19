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
// machine the suite runs on may not have: these run the payloads of
// testdata/debian (guardian: a run's session scope stopped, pending and
// setsid variants; reboot: a payload across a guest reboot) in a Debian 12
// guest booted with systemd under QEMU (testdata/debian/README.md). They
// take minutes (the first time also the image, ~2 min), so only with
// REWIRE_VM_TESTS=1; `make test` calls the harness directly.
func TestDebianGuestGuardianUnit(t *testing.T) { runDebianPayload(t, "guardian") }

func TestDebianGuestReboot(t *testing.T) { runDebianPayload(t, "reboot") }

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
