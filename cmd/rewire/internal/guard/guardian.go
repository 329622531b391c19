package guard

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	bhost "rewire/bindings/host"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"rewire/bindings/tx"
)

// The guardian is a process of its own (`rewire guardian`) armed as a
// transaction begins, before its first change. It shares the store lock,
// watches the owner through a pidfd (pid + start time, so a reused pid
// cannot fool it), and when the owner dies without commit or rollback it
// rolls the transaction back: a run at once, a REPL after a grace period,
// a pending change at its deadline. Where systemd is PID 1 it runs as a
// transient unit, so the end of the login session (logind's
// KillUserProcesses, an sshd restart) does not take it along; elsewhere
// it is in a session of its own (setsid).

// Modes of a guardian: what the owner is.
const (
	ModeRun  = "run"
	ModeREPL = "repl"
)

// DefaultGrace is how long a REPL's guardian waits after the REPL died
// before it rolls back: a dropped SSH session may be the change's fault,
// or not, and the admin may log in again and `rewire confirm` it.
const DefaultGrace = 2 * time.Minute

// Guardian arms a guardian process for each transaction (tx.Guardian).
type Guardian struct {
	Self  string        // this binary (os.Executable)
	Mode  string        // ModeRun or ModeREPL
	Grace time.Duration // ModeREPL: wait this long after the owner died

	pid   int // the armed guardian
	pidfd int
	unit  string
	wait  chan struct{} // closed when a setsid child is reaped
}

// readyTimeout bounds the wait for a guardian to report in.
var readyTimeout = 10 * time.Second

// Arm starts the guardian for t and waits until it holds its share of the
// lock and watches the owner.
func (g *Guardian) Arm(t *tx.Tx) error {
	st := t.Store()
	args := []string{"guardian", "--state-dir", st.Dir, "--mode", g.Mode,
		"--owner", fmt.Sprintf("%d:%d", os.Getpid(), tx.ProcStart(os.Getpid()))}
	if g.Grace > 0 {
		args = append(args, "--grace", g.Grace.String())
	}
	lock, err := st.DupLock()
	if err != nil {
		return err
	}
	defer lock.Close()
	g.unit, g.wait = "", nil
	if systemdIsInit() {
		if err := g.startUnit(t.ID, args, lock); err != nil {
			return err
		}
	} else if err := g.startSetsid(t.ID, args, lock); err != nil {
		return err
	}
	return g.awaitReady(st, t.ID)
}

// startSetsid starts the guardian as a child in a session of its own,
// stdio on /dev/null, the lock's copy as descriptor 3.
func (g *Guardian) startSetsid(id string, args []string, lock *os.File) error {
	cmd := exec.Command(g.Self, append(args, "--lock-fd", strconv.Itoa(LockFD), id)...)
	cmd.ExtraFiles = []*os.File{lock}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Dir = "/"
	cmd.Env = guardianEnv()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s guardian: %w", g.Self, err)
	}
	g.wait = make(chan struct{})
	go func() { cmd.Wait(); close(g.wait) }()
	return nil
}

// startUnit starts the guardian as a transient systemd service; it takes
// its copy of the lock from this process with pidfd_getfd.
func (g *Guardian) startUnit(id string, args []string, lock *os.File) error {
	g.unit = "rewire-guardian-" + id
	run := []string{"--unit", g.unit, "--collect", "--quiet", "--property=KillMode=process",
		"--description=rewire guardian of transaction " + id, "--", g.Self}
	run = append(run, args...)
	run = append(run, "--lock-from", fmt.Sprintf("%d:%d", os.Getpid(), lock.Fd()), id)
	out, err := exec.Command("systemd-run", run...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("systemd-run %s: %v: %s", g.unit, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// awaitReady waits for the guardian's file (ReadyPath) and opens a pidfd
// of it, so Disarm can wait for it to let the lock go.
func (g *Guardian) awaitReady(st *tx.Store, id string) error {
	giveUp := time.Now().Add(readyTimeout)
	for {
		if pid, _, err := ReadReady(st, id); err == nil {
			fd, err := unix.PidfdOpen(pid, 0)
			if err != nil {
				return fmt.Errorf("guardian pid %d: %w", pid, err)
			}
			g.pid, g.pidfd = pid, fd
			return nil
		}
		if g.wait != nil {
			select {
			case <-g.wait:
				return fmt.Errorf("guardian exited at start (see %s)", LogPath(st, id))
			default:
			}
		}
		if time.Now().After(giveUp) {
			return fmt.Errorf("guardian did not report in within %s (see %s)", readyTimeout, LogPath(st, id))
		}
		time.Sleep(time.Millisecond)
	}
}

// Disarm tells the guardian the transaction ended and waits until it
// exited, so the lock is free when the caller goes on.
func (g *Guardian) Disarm(t *tx.Tx) {
	if g.pid == 0 {
		return
	}
	defer func() { unix.Close(g.pidfd); g.pid = 0 }()
	unix.PidfdSendSignal(g.pidfd, unix.SIGUSR1, nil, 0)
	waitPidfd(g.pidfd, readyTimeout)
	if g.wait != nil {
		<-g.wait
	}
}

// Exited returns a channel closed once the armed guardian has exited.
func (g *Guardian) Exited() <-chan struct{} {
	c := make(chan struct{})
	fd, wait := g.pidfd, g.wait
	go func() {
		for !waitPidfd(fd, time.Hour) {
		}
		if wait != nil {
			<-wait
		}
		close(c)
	}()
	return c
}

// waitPidfd waits up to d for the process behind fd to exit.
func waitPidfd(fd int, d time.Duration) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, int(d/time.Millisecond))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return err == nil && n > 0
	}
}

// guardianEnv is the environment of a guardian: the crash seam is for
// the run under test, not its guardian.
func guardianEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REWIRE_CRASH_AFTER=") {
			env = append(env, kv)
		}
	}
	return env
}

func systemdIsInit() bool { return bhost.SystemdIsInit() }

// ReadyPath is the file a guardian writes once it watches: its pid, its
// start time and its unit, read by the owner, `recover` and `journal show`.
func ReadyPath(st *tx.Store, id string) string {
	return filepath.Join(st.Dir, "journal", id+".guardian")
}

// ReadReady reads a live guardian's pid and unit from ReadyPath; an error
// when there is none or it is gone.
func ReadReady(st *tx.Store, id string) (int, string, error) {
	b, err := os.ReadFile(ReadyPath(st, id))
	if err != nil {
		return 0, "", err
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, "", errors.New("guardian file incomplete")
	}
	pid, _ := strconv.Atoi(f[0])
	start, _ := strconv.ParseUint(f[1], 10, 64)
	if pid <= 0 || tx.ProcStart(pid) != start {
		return 0, "", fmt.Errorf("guardian pid %d is gone", pid)
	}
	unit := ""
	if len(f) > 2 {
		unit = f[2]
	}
	return pid, unit, nil
}
