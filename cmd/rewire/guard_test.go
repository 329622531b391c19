package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rewire/bindings/modules"
	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/cmd/rewire/internal/guard"
	"rewire/lua/engine"
	"rewire/lua/script"
)

// cutSSH is SCENARIOS.md S2 with the NIC never enslaved: eth0's address
// and default route move to a bridge with no port, and every SSH session
// into the host hangs.
const cutSSH = `bridge.create("br0", {stp = false, forward_delay = 0}); addr.move("eth0", "br0")`

// sshLab is a real sshd in the private host namespace (10.0.0.111:22,
// key authentication, keys made in a temp dir) and an ssh client in the
// LAN namespace.
type sshLab struct {
	host, lan *target.Target
	dir       string
}

func newSSHLab(t *testing.T) *sshLab {
	t.Helper()
	sshd := "/usr/sbin/sshd"
	if _, err := os.Stat(sshd); err != nil {
		t.Skip("sshd is not installed (Debian: openssh-server); the lockout test needs a real one")
	}
	l := &sshLab{dir: t.TempDir()}
	l.host, l.lan = crashHost(t)
	for _, k := range []string{"hostkey", "userkey"} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(l.dir, k)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v %s", err, out)
		}
	}
	pub, err := os.ReadFile(filepath.Join(l.dir, "userkey.pub"))
	check(t, err)
	check(t, os.WriteFile(filepath.Join(l.dir, "authorized_keys"), pub, 0o600))
	conf := fmt.Sprintf(`Port 22
ListenAddress 10.0.0.111
HostKey %[1]s/hostkey
AuthorizedKeysFile %[1]s/authorized_keys
PidFile %[1]s/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin yes
`, l.dir)
	check(t, os.WriteFile(filepath.Join(l.dir, "sshd_config"), []byte(conf), 0o600))
	// sshd insists on its privilege separation directory.
	check(t, os.MkdirAll("/run/sshd", 0o755))
	cmd := exec.Command(sshd, "-D", "-e", "-f", filepath.Join(l.dir, "sshd_config"))
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	check(t, l.host.Start(cmd))
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("sshd log:\n%s", log.String())
		}
	})
	// Wait until sshd accepts a login.
	for i := 0; ; i++ {
		out, err := l.ssh(t, "echo ready").CombinedOutput()
		if err == nil && strings.TrimSpace(string(out)) == "ready" {
			break
		}
		if i == 50 {
			t.Fatalf("sshd never accepted a login: %v %s", err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return l
}

// ssh is a client command in the LAN namespace, not yet started; nsenter
// puts it there, since exec.Cmd cannot enter a namespace itself.
func (l *sshLab) ssh(t *testing.T, remote string) *exec.Cmd {
	return exec.Command("nsenter", "--net="+l.lan.NetnsPath, "--",
		"ssh", "-i", filepath.Join(l.dir, "userkey"), "-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-o", "ConnectTimeout=5", "root@10.0.0.111", remote)
}

// session is one long-lived SSH session that echoes each line back.
type session struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

func (l *sshLab) open(t *testing.T) *session {
	t.Helper()
	cmd := l.ssh(t, `while read l; do echo "got $l"; done`)
	in, err := cmd.StdinPipe()
	check(t, err)
	out, err := cmd.StdoutPipe()
	check(t, err)
	check(t, cmd.Start())
	s := &session{cmd: cmd, in: in, out: bufio.NewReader(out)}
	t.Cleanup(func() { in.Close(); cmd.Process.Kill(); cmd.Wait() })
	s.roundTrip(t, "hello")
	return s
}

// roundTrip sends a line and waits for its echo: the session works.
func (s *session) roundTrip(t *testing.T, line string) {
	t.Helper()
	fmt.Fprintln(s.in, line)
	got, err := s.out.ReadString('\n')
	if err != nil || strings.TrimSpace(got) != "got "+line {
		t.Fatalf("SSH session: sent %q, got %q, %v", line, got, err)
	}
}

// run applies src to the private host as `rewire run` does, committing
// through hook.
func (l *sshLab) run(t *testing.T, st *tx.Store, src string, hook func(*tx.Session) error) *script.Result {
	t.Helper()
	s := &tx.Session{Store: st, Target: l.host, Script: "lockout"}
	e := engine.New(&bytes.Buffer{}, modules.Kernel(s)...)
	defer e.Close()
	return script.Run(context.Background(), s, e, script.Options{Chunk: src, Commit: hook})
}

// TestLockoutGuard: the guard finds the admin's SSH session, a recipe that
// cuts it is reverted with no human action (by the automatic probes at
// once, or by the detached guardian at the deadline), and the very same
// session works again; a change confirmed from a second SSH session stays.
func TestLockoutGuard(t *testing.T) {
	l := newSSHLab(t)
	sess := l.open(t)
	before := fullState(t, l.host)

	g := guard.Before(l.host)
	if len(g.Sessions) == 0 || g.Sessions[0].Dev != "eth0" || g.Sessions[0].ServerPort != 22 {
		t.Fatalf("guard did not find the SSH session over eth0: %+v", g.Sessions)
	}
	// In this layout the SSH client is the gateway, probed once.
	if !strings.Contains(g.Before.String(), "10.0.0.1") {
		t.Errorf("baseline misses the SSH client: %s", g.Before)
	}

	t.Run("probes", func(t *testing.T) {
		st, _ := tx.OpenStore(t.TempDir())
		res := l.run(t, st, cutSSH, guard.Commit(g, guard.CommitOptions{Out: io.Discard}))
		if res.Err == nil || !strings.Contains(res.Error, "10.0.0.1") {
			t.Fatalf("want the lost SSH client named, got %v", res.Err)
		}
		if after := fullState(t, l.host); after != before {
			t.Fatalf("not rolled back:\n%s\n%s", before, after)
		}
		sess.roundTrip(t, "after probes")
	})

	t.Run("guardian", func(t *testing.T) {
		st, _ := tx.OpenStore(t.TempDir())
		var out bytes.Buffer
		// Only the session, no probes: the change goes through and only
		// the guardian can bring the host back.
		onlySessions := &guard.Guard{Target: l.host, Sessions: g.Sessions}
		res := l.run(t, st, cutSSH, guard.Commit(onlySessions, guard.CommitOptions{Auto: 3 * time.Second, Self: rewireBin(t), Out: &out}))
		if !strings.Contains(out.String(), "confirm-or-revert armed") {
			t.Errorf("guard did not say why it armed:\n%s", out.String())
		}
		if res.Err == nil || !strings.Contains(res.Error, guard.ErrNotConfirmed.Error()) {
			t.Fatalf("want the guardian's rollback, got %v\n%s", res.Err, out.String())
		}
		if after := fullState(t, l.host); after != before {
			t.Fatalf("guardian did not restore the host:\n%s\n%s", before, after)
		}
		sess.roundTrip(t, "after guardian")
	})

	t.Run("confirm over a second session", func(t *testing.T) {
		st, _ := tx.OpenStore(t.TempDir())
		done := make(chan *script.Result, 1)
		go func() {
			done <- l.run(t, st, `link.set("eth0", {mtu = 1400})`, guard.Commit(&guard.Guard{Target: l.host, Sessions: g.Sessions},
				guard.CommitOptions{Auto: time.Hour, Self: rewireBin(t), Out: io.Discard}))
		}()
		var id string
		for giveUp := time.Now().Add(time.Minute); id == ""; {
			if time.Now().After(giveUp) {
				t.Fatal("no pending transaction within a minute")
			}
			all, err := st.List()
			check(t, err)
			for _, s := range all {
				if s.State == tx.StatePending {
					id = s.ID
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		out, err := l.ssh(t, rewireBin(t)+" confirm --state-dir "+st.Dir+" "+id).CombinedOutput()
		if err != nil {
			t.Fatalf("rewire confirm over ssh: %v %s", err, out)
		}
		if res := <-done; res.Err != nil {
			t.Fatalf("run: %v", res.Err)
		}
		eth0, err := l.host.LinkByName("eth0")
		check(t, err)
		if eth0.Attrs().MTU != 1400 {
			t.Errorf("confirmed change lost: mtu %d", eth0.Attrs().MTU)
		}
		sess.roundTrip(t, "after confirm")
	})
}
