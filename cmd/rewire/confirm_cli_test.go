package main

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is output written by a process while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startPending starts `rewire run --lab --confirm D` of a chunk that sets
// the lab host's eth0 MTU to 1400, and waits until the change is pending.
func startPending(t *testing.T, bin string, env []string, d string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, "run", "--lab", "--confirm", d, "-e", `link.set("eth0", {mtu = 1400})`)
	cmd.Env, cmd.Dir = env, "../.."
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; !strings.Contains(out.String(), "pending:"); i++ {
		if i > 400 {
			cmd.Process.Kill()
			t.Fatalf("no pending change after 10 s: %s", out.String())
		}
		time.Sleep(25 * time.Millisecond)
	}
	if !strings.Contains(labIP(t, "link", "show", "eth0"), "mtu 1400") {
		t.Fatalf("the pending change is not applied: %s", labIP(t, "link", "show", "eth0"))
	}
	return cmd, out
}

func eth0MTU1500(t *testing.T) bool {
	return strings.Contains(labIP(t, "link", "show", "eth0"), "mtu 1500")
}

// Ctrl-C at the countdown rolls the change back at once, as netplan try
// does, rather than leaving it to the deadline.
func TestCtrlCAtTheCountdownRollsBackNow(t *testing.T) {
	bin, env := withLab(t)
	cmd, out := startPending(t, bin, env, "1h")
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err == nil {
		t.Fatalf("an interrupted pending run exited 0: %s", out.String())
	}
	for _, want := range []string{"interrupted: rolling back now", "- undo 1 set link eth0 mtu 1400: ok", "interrupted at the countdown"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if !eth0MTU1500(t) {
		t.Errorf("eth0 not restored after Ctrl-C")
	}
	t.Logf("Ctrl-C to rolled back: %v", time.Since(start).Round(time.Millisecond))
	rewire(t, bin, env, "run", "--lab", "-e", "print(1)") // the lock is free again
}

// `rewire rollback ID` of a pending transaction, from another session,
// has its guardian roll it back now; the waiting run reports it.
func TestRollbackOfAPendingTransaction(t *testing.T) {
	bin, env := withLab(t)
	cmd, out := startPending(t, bin, env, "1h")
	got := rewire(t, bin, env, "rollback", "last")
	if !strings.Contains(got, "- undo 1 set link eth0 mtu 1400: ok") || !strings.Contains(got, "rolled back pending transaction") {
		t.Errorf("rollback output:\n%s", got)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatalf("the run exited 0 after its change was rolled back: %s", out.String())
	}
	if !strings.Contains(out.String(), "not confirmed") {
		t.Errorf("run output:\n%s", out.String())
	}
	if !eth0MTU1500(t) {
		t.Errorf("eth0 not restored by rollback of the pending transaction")
	}
	if _, err := runRewire(bin, env, "rollback", "last"); err == nil {
		t.Errorf("a second rollback of the same transaction succeeded")
	}
}

// The foreground process killed outright (SIGKILL: no handler runs)
// while the change is pending: the detached guardian still rolls it back
// at the deadline. What says who undid it, and when, is the guardian's
// log, not a race against the clock.
func TestGuardianOutlivesAKilledRun(t *testing.T) {
	bin, env := withLab(t)
	cmd, _ := startPending(t, bin, env, "3s")
	cmd.Process.Kill()
	cmd.Wait()
	for i := 0; !eth0MTU1500(t); i++ {
		if i > 150 {
			t.Fatalf("eth0 still at mtu 1400 15 s after the run was killed: %s", labIP(t, "link", "show", "eth0"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	out := rewire(t, bin, env, "journal", "list")
	if !strings.Contains(out, "rolled-back") {
		t.Errorf("journal after the guardian's rollback:\n%s", out)
	}
	dir := stateDirOf(env)
	log, _ := os.ReadFile(firstGuardianLog(t, dir))
	if !strings.Contains(string(log), "not confirmed by") || !strings.Contains(string(log), "- undo 1 set link eth0 mtu 1400: ok") {
		t.Errorf("the guardian should have rolled it back at the deadline; its log:\n%s", log)
	}
}

// stateDirOf is the REWIRE_STATE_DIR an environment sets (the last one
// wins, as for exec).
func stateDirOf(env []string) string {
	dir := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "REWIRE_STATE_DIR="); ok {
			dir = v
		}
	}
	return dir
}
