package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"rewire/bindings/tx"
)

// How long a pending REPL statement waits, and a dead REPL's grace, in
// these tests: short, so that the waits stay few and bounded.
const (
	replConfirm = 4 * time.Second
	replGrace   = 3 * time.Second
)

// replSession is `rewire repl` over a real SSH session with a terminal
// (ssh -tt), as an admin runs it; its screen is collected as it comes.
type replSession struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the ssh client exited
	in   io.WriteCloser
	mu   sync.Mutex
	out  bytes.Buffer
}

func (l *sshLab) repl(t *testing.T, stateDir string) *replSession {
	t.Helper()
	remote := fmt.Sprintf("TERM=dumb REWIRE_STATE_DIR=%s %s repl --history '' --confirm %s --grace %s",
		stateDir, rewireBin(t), replConfirm, replGrace)
	cmd := l.ssh(t, remote)
	cmd.Args = append(cmd.Args[:len(cmd.Args)-2], "-tt", "-o", "ServerAliveInterval=1", "-o", "ServerAliveCountMax=2", cmd.Args[len(cmd.Args)-2], remote)
	r := &replSession{cmd: cmd, done: make(chan struct{})}
	in, err := cmd.StdinPipe()
	check(t, err)
	r.in = in
	cmd.Stdout, cmd.Stderr = r, r
	check(t, cmd.Start())
	go func() { cmd.Wait(); close(r.done) }()
	t.Cleanup(func() { in.Close(); cmd.Process.Kill(); <-r.done })
	r.waitFor(t, "rewire repl on host", 20*time.Second)
	return r
}

func (r *replSession) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.Write(b)
}

func (r *replSession) screen() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

// send types a line (Enter included).
func (r *replSession) send(line string) { io.WriteString(r.in, line+"\r") }

// waitFor waits (bounded) until the screen shows s after what it showed
// when asked, and returns everything since.
func (r *replSession) waitFor(t *testing.T, s string, d time.Duration) string {
	t.Helper()
	from := len(r.screen())
	for giveUp := time.Now().Add(d); ; time.Sleep(50 * time.Millisecond) {
		if got := r.screen()[from:]; strings.Contains(got, s) {
			return got
		}
		if time.Now().After(giveUp) {
			t.Fatalf("the REPL did not show %q within %s; screen:\n%s", s, d, r.screen())
		}
	}
}

// The REPL over SSH: a statement that does not touch the session's path
// is not pending; one that does waits for Enter (kept) or Ctrl-C (undone).
func TestREPLOverSSHPendingStatements(t *testing.T) {
	l := newSSHLab(t)
	dir := t.TempDir()
	r := l.repl(t, dir)

	r.send(`link.set("lo", {mtu = 1400})`)
	r.waitFor(t, "+ set link lo mtu 1400", 10*time.Second)
	r.send(`print("next")`)
	if s := r.waitFor(t, "next", 10*time.Second); strings.Contains(s, "pending") || strings.Contains(r.screen(), "armed") {
		t.Fatalf("a change off the session's path was held pending:\n%s", r.screen())
	}

	r.send(`link.set("eth0", {mtu = 1400})`)
	r.waitFor(t, "confirm-or-revert armed", 10*time.Second)
	r.send("")
	r.waitFor(t, "confirmed: the statement's changes are kept", 10*time.Second)
	if got := mtuOf(t, l.host, "eth0"); got != 1400 {
		t.Fatalf("kept statement: eth0 mtu %d, want 1400", got)
	}

	r.send(`link.set("eth0", {mtu = 1300})`)
	r.waitFor(t, "confirm-or-revert armed", 10*time.Second)
	io.WriteString(r.in, "\x03") // Ctrl-C
	r.waitFor(t, "undid 1 change of the pending statement (Ctrl-C)", 10*time.Second)
	if got := mtuOf(t, l.host, "eth0"); got != 1400 {
		t.Fatalf("after Ctrl-C: eth0 mtu %d, want 1400 (the kept statement's)", got)
	}
	// :commit at the countdown asks first, then keeps it all.
	r.send(`link.set("eth0", {mtu = 1450})`)
	r.waitFor(t, "confirm-or-revert armed", 10*time.Second)
	r.send(":commit")
	r.waitFor(t, "commit it with the rest? [y/N]", 10*time.Second)
	r.send("y")
	r.waitFor(t, "committed 3 changes as transaction", 10*time.Second)
	if got := mtuOf(t, l.host, "eth0"); got != 1450 {
		t.Errorf("after :commit: eth0 mtu %d, want 1450", got)
	}
	st, err := tx.OpenStore(dir)
	check(t, err)
	all, err := st.List()
	check(t, err)
	if len(all) != 1 || all[0].State != tx.StateCommitted {
		t.Errorf("journal after :commit: %+v", all)
	}
}

// SCENARIOS.md S2 typed into the REPL over SSH without enslaving the NIC
// cuts the session off. Nobody answers the countdown: the statement is
// undone at its deadline, the host answers the LAN again, a new login
// works, and once sshd notices the old session is dead the REPL is gone
// and its guardian ends the transaction as rolled back.
func TestREPLOverSSHLockoutRecoversByItself(t *testing.T) {
	l := newSSHLab(t)
	dir := t.TempDir()
	r := l.repl(t, dir)
	beforeState := fullState(t, l.host)

	start := time.Now()
	r.send(cutSSH)
	// The client gives up on the dead session (ServerAlive), as a user would.
	waitFor(t, "the ssh client gives up", 30*time.Second, r.exited)

	waitFor(t, "a new SSH login", replConfirm+30*time.Second, func() bool {
		out, err := l.ssh(t, "echo back").CombinedOutput()
		return err == nil && strings.TrimSpace(string(out)) == "back"
	})
	t.Logf("the host answered a new login %s after the cutting statement (confirm deadline %s)", time.Since(start).Round(100*time.Millisecond), replConfirm)

	st, err := tx.OpenStore(dir)
	check(t, err)
	waitFor(t, "the transaction rolled back and the REPL gone", time.Minute, func() bool {
		all, err := st.List()
		if err != nil || len(all) != 1 {
			return false
		}
		return all[0].State == tx.StateRolledBack && !all[0].OwnerAlive()
	})
	if after := fullState(t, l.host); after != beforeState {
		t.Errorf("host after the REPL's recovery differs:\nbefore:\n%s\nafter:\n%s", beforeState, after)
	}
	if out, err := exec.Command("pgrep", "-f", rewireBin(t)+" repl").CombinedOutput(); err == nil {
		t.Errorf("a REPL process lingers: %s", out)
	}
	log, _ := os.ReadFile(firstGuardianLog(t, dir))
	t.Logf("guardian log:\n%s", log)
}

// exited reports whether the ssh client is gone.
func (r *replSession) exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}
