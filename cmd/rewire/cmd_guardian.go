package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"rewire/bindings/tx"
	"rewire/cmd/rewire/internal/guard"
)

func init() {
	register(command{name: "guardian", summary: "(internal) armed with every transaction: rolls it back if its run or REPL dies", run: runGuardian})
}

// runGuardian is the detached process armed as a transaction begins; it
// writes what it does to the transaction's guardian log, having no terminal.
func runGuardian(args []string) int {
	fs := flag.NewFlagSet("guardian", flag.ContinueOnError)
	stateDir := fs.String("state-dir", "", "journal and lock directory")
	lockFD := fs.Int("lock-fd", -1, "descriptor of the owner's store lock, inherited")
	lockFrom := fs.String("lock-from", "", "PID:FD: take the owner's store lock descriptor with pidfd_getfd")
	owner := fs.String("owner", "", "PID:START of the process that made the transaction")
	mode := fs.String("mode", guard.ModeRun, "what the owner is: run or repl")
	grace := fs.Duration("grace", 0, "repl: how long after the owner died to roll back")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		return fail("guardian: name one transaction")
	}
	st, err := tx.OpenStore(*stateDir)
	if err != nil {
		return fail("%v", err)
	}
	id := fs.Arg(0)
	log, err := os.OpenFile(guard.LogPath(st, id), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fail("guardian: %v", err)
	}
	defer log.Close()
	o := guard.WatchOptions{Mode: *mode, Grace: *grace, Log: log}
	if o.OwnerPID, o.OwnerStart, err = pidStart(*owner); err != nil {
		return logFail(log, "guardian: --owner: %v", err)
	}
	switch {
	case *lockFD >= 0:
		o.Lock = os.NewFile(uintptr(*lockFD), "lock")
	case *lockFrom != "":
		if o.Lock, err = lockOf(*lockFrom); err != nil {
			fmt.Fprintf(log, "guardian: %v; taking the lock once the owner is gone\n", err)
		}
	}
	if err := guard.Watch(st, id, o); err != nil {
		return logFail(log, "guardian: %v", err)
	}
	return 0
}

func logFail(log *os.File, format string, a ...any) int {
	fmt.Fprintf(log, format+"\n", a...)
	return fail(format, a...)
}

// pidStart parses PID:N.
func pidStart(s string) (int, uint64, error) {
	p, n, ok := strings.Cut(s, ":")
	pid, err1 := strconv.Atoi(p)
	v, err2 := strconv.ParseUint(n, 10, 64)
	if !ok || err1 != nil || err2 != nil || pid <= 0 {
		return 0, 0, fmt.Errorf("want PID:NUMBER, got %q", s)
	}
	return pid, v, nil
}

// lockOf copies descriptor FD of process PID into this one (pidfd_getfd):
// a systemd unit cannot inherit it.
func lockOf(spec string) (*os.File, error) {
	pid, fd, err := pidStart(spec)
	if err != nil {
		return nil, fmt.Errorf("--lock-from: %v", err)
	}
	pfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, fmt.Errorf("--lock-from: pidfd_open %d: %w", pid, err)
	}
	defer unix.Close(pfd)
	nfd, err := unix.PidfdGetfd(pfd, int(fd), 0)
	if err != nil {
		return nil, fmt.Errorf("--lock-from: pidfd_getfd %d:%d: %w", pid, fd, err)
	}
	unix.CloseOnExec(nfd)
	return os.NewFile(uintptr(nfd), "lock"), nil
}

// guardianFor is the guardian a run or REPL arms for each transaction.
// REWIRE_GUARDIAN=none arms none — what the benchmark compares against;
// a kill then waits for `rewire recover` as before guardians.
func guardianFor(self, mode string, grace time.Duration) tx.Guardian {
	if os.Getenv("REWIRE_GUARDIAN") == "none" {
		return nil
	}
	return &guard.Guardian{Self: self, Mode: mode, Grace: grace}
}
