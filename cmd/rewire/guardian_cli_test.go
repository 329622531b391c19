package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"rewire/bindings/target"
)

// mtuOf reads a link's MTU in tg.
func mtuOf(t *testing.T, tg *target.Target, dev string) int {
	t.Helper()
	h, err := tg.Handle()
	check(t, err)
	l, err := h.LinkByName(dev)
	check(t, err)
	return l.Attrs().MTU
}

// holdNamespace keeps a process in tg's namespace, as a container's
// processes keep theirs: the namespace is bound nowhere /run/netns has,
// and a later rewire finds it through /proc/PID/ns/net.
func holdNamespace(t *testing.T, tg *target.Target) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "600")
	check(t, tg.Start(cmd))
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// A run killed with SIGKILL (its change applied) is rolled back by its
// guardian, with nobody typing `rewire recover`.
func TestGuardianRollsBackAKilledRun(t *testing.T) {
	host, _ := crashHost(t)
	dir := t.TempDir()
	base := []string{"PATH=" + os.Getenv("PATH"), "REWIRE_STATE_DIR=" + dir}
	before := fullState(t, host)
	// Record 3 is the change's "done": it is applied when the run dies.
	_, killed, err := rewireIn(t, host, append(base, "REWIRE_CRASH_AFTER=3"), "run", "-e", `link.set("eth0", {mtu = 1400})`)
	if !killed {
		t.Fatalf("the run was not killed: %v", err)
	}
	waitGuarded(t, dir)
	if after := fullState(t, host); after != before {
		t.Fatalf("state after the guardian's rollback differs:\nbefore:\n%s\nafter:\n%s\njournal:\n%s", before, after, journals(dir))
	}
	out, _, _ := rewireIn(t, host, base, "journal", "list")
	if !strings.Contains(out, "rolled-back") {
		t.Errorf("journal list after the guardian's rollback:\n%s", out)
	}
	log, _ := os.ReadFile(firstGuardianLog(t, dir))
	if !strings.Contains(string(log), "is gone with transaction") || !strings.Contains(string(log), "- undo 1 set link eth0 mtu 1400: ok") {
		t.Errorf("guardian log:\n%s", log)
	}
}

func firstGuardianLog(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir + "/journal")
	check(t, err)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".guardian.log") {
			return dir + "/journal/" + e.Name()
		}
	}
	t.Fatalf("no guardian log in %s", dir)
	return ""
}

// A transaction made in namespace A and undone from namespace B (same
// state dir) lands in A, and B is left exactly as it was; once A is gone
// the undo is refused with one line, and B is still untouched.
func TestUndoLandsOnTheHostItWasMadeOn(t *testing.T) {
	a, _ := crashHost(t)
	b, _ := crashHost(t) // the same layout: an undo that lands here would "work"
	holder := holdNamespace(t, a)
	dir := t.TempDir()
	base := []string{"PATH=" + os.Getenv("PATH"), "REWIRE_STATE_DIR=" + dir}
	// Killed with its guardian: only recover is left to undo it.
	crash := append(base, "REWIRE_CRASH_AFTER=3", "REWIRE_CRASH_GUARDIAN=1")
	cut := `link.set("eth0", {mtu = 1400})`

	beforeB := fullState(t, b)
	if _, killed, _ := rewireIn(t, a, crash, "run", "-e", cut); !killed {
		t.Fatal("the run was not killed")
	}
	if got := mtuOf(t, a, "eth0"); got != 1400 {
		t.Fatalf("A's eth0 mtu %d after the killed run, want 1400", got)
	}
	if out, _, err := rewireIn(t, b, base, "recover"); err != nil {
		t.Fatalf("recover from B: %v\n%s", err, out)
	}
	if got := mtuOf(t, a, "eth0"); got != 1500 {
		t.Errorf("recover from B left A's eth0 at mtu %d, want 1500", got)
	}
	if after := fullState(t, b); after != beforeB {
		t.Fatalf("recover from B changed B:\nbefore:\n%s\nafter:\n%s", beforeB, after)
	}

	// rollback of a committed transaction, from B.
	if out, _, err := rewireIn(t, a, base, "run", "-e", cut); err != nil {
		t.Fatalf("run in A: %v\n%s", err, out)
	}
	if out, _, err := rewireIn(t, b, base, "rollback", "last"); err != nil {
		t.Fatalf("rollback from B: %v\n%s", err, out)
	}
	if got := mtuOf(t, a, "eth0"); got != 1500 {
		t.Errorf("rollback from B left A's eth0 at mtu %d", got)
	}
	if after := fullState(t, b); after != beforeB {
		t.Fatalf("rollback from B changed B:\nbefore:\n%s\nafter:\n%s", beforeB, after)
	}

	// A gone: refused, nothing done, and said in one line.
	if _, killed, _ := rewireIn(t, a, crash, "run", "-e", cut); !killed {
		t.Fatal("the run was not killed")
	}
	holder.Process.Kill()
	holder.Wait()
	a.Close() // its netlink socket would keep the namespace alive
	check(t, target.RemoveNS(a.NetnsPath))
	out, _, err := rewireIn(t, b, base, "recover")
	if err == nil || !strings.Contains(out, "which is not reachable from here: nothing undone") {
		t.Fatalf("recover with A gone: want the refusal, got %v\n%s", err, out)
	}
	if after := fullState(t, b); after != beforeB {
		t.Fatalf("refused recover changed B:\nbefore:\n%s\nafter:\n%s", beforeB, after)
	}
	if out, _, _ := rewireIn(t, b, base, "journal", "list"); !strings.Contains(out, "open") {
		t.Errorf("the refused transaction should stay open for a recover that can reach it:\n%s", out)
	}
}

// waitFor polls fn (bounded) until it holds.
func waitFor(t *testing.T, what string, d time.Duration, fn func() bool) {
	t.Helper()
	for giveUp := time.Now().Add(d); !fn(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(giveUp) {
			t.Fatalf("%s: not within %s", what, d)
		}
	}
}
