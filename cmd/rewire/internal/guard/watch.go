package guard

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"rewire/bindings/target"
	"rewire/bindings/tx"
)

// WatchOptions say what a guardian process guards.
type WatchOptions struct {
	Mode       string        // ModeRun, ModeREPL
	Grace      time.Duration // ModeREPL: after the owner died; 0 = DefaultGrace
	OwnerPID   int
	OwnerStart uint64
	Lock       *os.File // the owner's lock, shared (nil: take it once the owner is gone)
	Log        io.Writer
}

// ownerSlack is how long past a pending statement's deadline a live REPL
// has to undo it itself before its guardian takes over: a REPL that does
// not is hung (a dead terminal, a blocked write), and is ended.
var ownerSlack = 10 * time.Second

// Watch is the guardian (`rewire guardian`): it shares the store lock,
// reports in (ReadyPath), and acts on transaction id as the package doc
// says. It returns once the transaction ended, by whoever ended it.
func Watch(st *tx.Store, id string, o WatchOptions) error {
	signal.Ignore(syscall.SIGHUP, syscall.SIGINT, syscall.SIGPIPE)
	// SIGUSR1: the owner ended the transaction, look now. SIGTERM: look
	// too; a guardian stopped from outside with its transaction open
	// would leave the host as it is, so it goes on guarding.
	wake := make(chan os.Signal, 4)
	signal.Notify(wake, syscall.SIGUSR1, syscall.SIGTERM)
	logf := func(format string, a ...any) { fmt.Fprintf(o.Log, now()+": "+format+"\n", a...) }
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}

	owner := -1 // pidfd of the owner; -1 once it is gone
	if fd, err := unix.PidfdOpen(o.OwnerPID, 0); err == nil {
		if tx.ProcStart(o.OwnerPID) == o.OwnerStart {
			owner = fd
		} else {
			unix.Close(fd) // the pid was reused: the owner is gone
		}
	}
	if o.Lock != nil {
		if err := st.ShareLock(o.Lock); err != nil {
			return err
		}
	}
	defer st.Unlock()
	if err := writeReady(st, id); err != nil {
		return err
	}
	defer os.Remove(ReadyPath(st, id))
	logf("guarding transaction %s of pid %d (%s)", id, o.OwnerPID, o.Mode)

	killed, reached := false, false
	for {
		sum, err := st.Load(id)
		if err != nil {
			return err
		}
		if !reached && sum.Target.Identity != nil {
			// Reach the host while the owner (and so its namespace) is
			// alive: it stays reachable through this process from here on.
			reached = true
			if _, err := target.Reach(sum.Target); err != nil && !sum.Target.Rebooted() {
				logf("transaction %s: %v", id, err)
			}
		}
		alive := owner >= 0 && !waitPidfd(owner, 0)
		if !alive && owner >= 0 {
			unix.Close(owner)
			owner = -1
		}
		switch sum.State {
		case tx.StateCommitted, tx.StateRolledBack, tx.StateIncomplete:
			logf("transaction %s is %s; nothing to do", id, sum.State)
			return nil
		case tx.StatePending:
			if time.Now().Before(sum.Deadline) {
				break
			}
			if alive && sum.PendingStatement {
				// A REPL undoes its own statement at the deadline; one
				// that has not within the slack is hung: end it.
				if time.Now().Before(sum.Deadline.Add(ownerSlack)) || killed {
					break
				}
				logf("pid %d did not undo its pending statement by %s: ending it", o.OwnerPID, sum.Deadline.Local().Format(time.TimeOnly))
				unix.PidfdSendSignal(owner, unix.SIGKILL, nil, 0)
				killed = true
				waitPidfd(owner, 5*time.Second)
				continue
			}
			if err := takeLock(st, id, o.Lock == nil); err != nil {
				return err
			}
			logf("transaction %s not confirmed by %s: rolling back", id, sum.Deadline.Local().Format(time.TimeOnly))
			return rollBack(st, id, logf, func(cb func(tx.UndoResult)) (*tx.Report, error) { return st.RevertPending(id, cb) })
		default: // open, rolling back
			if alive {
				break
			}
			if err := takeLock(st, id, o.Lock == nil); err != nil {
				return err
			}
			if o.Mode == ModeREPL && sum.State == tx.StateOpen {
				until := time.Now().Add(o.Grace)
				logf("pid %d (the REPL) is gone with transaction %s open: rolling back at %s unless `rewire confirm %s`",
					o.OwnerPID, id, until.Local().Format(time.TimeOnly), id)
				if err := st.Abandon(id, until); err != nil {
					return err
				}
				continue
			}
			logf("pid %d is gone with transaction %s %s: rolling back", o.OwnerPID, id, sum.State)
			return rollBack(st, id, logf, func(cb func(tx.UndoResult)) (*tx.Report, error) { return st.RollbackAbandoned(id, cb) })
		}
		select { // the owner's exit, a signal, or a look every pollEvery
		case <-wake:
		case <-ownerExit(owner):
		case <-time.After(pollEvery):
		}
	}
}

// rollBack runs one of the store's rollbacks, logging each undo step.
func rollBack(st *tx.Store, id string, logf func(string, ...any), do func(func(tx.UndoResult)) (*tx.Report, error)) error {
	rep, err := do(func(r tx.UndoResult) { logf("%s", r) })
	var np *tx.NotPendingError
	if errors.As(err, &np) {
		logf("%v (ended meanwhile)", err)
		return nil
	}
	if err != nil {
		return err
	}
	if err := rep.Err(); err != nil {
		return err
	}
	logf("rolled back transaction %s (%d steps)", id, len(rep.Results))
	return nil
}

// takeLock makes sure this guardian holds the store lock before it acts:
// shared from the start, or (no copy was handed over) taken now that the
// owner is gone, waiting out whoever holds it briefly.
func takeLock(st *tx.Store, id string, take bool) error {
	if take {
		giveUp := time.Now().Add(time.Minute)
		for {
			err := st.Lock(id, false)
			if err == nil {
				break
			}
			if time.Now().After(giveUp) {
				return err
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	st.SetHolder(fmt.Sprintf("guardian of transaction %s (pid %d)", id, os.Getpid()))
	return nil
}

// ownerExit is a channel that fires when the owner's pidfd says it
// exited; nil (never fires) when the owner is already gone.
func ownerExit(fd int) <-chan struct{} {
	if fd < 0 {
		return nil
	}
	c := make(chan struct{})
	go func() {
		if waitPidfd(fd, pollEvery) {
			close(c)
		}
	}()
	return c
}

// writeReady reports in: pid, start time and unit (if systemd runs it).
func writeReady(st *tx.Store, id string) error {
	unit := os.Getenv("INVOCATION_ID") // set by systemd for its services
	line := fmt.Sprintf("%d %d", os.Getpid(), tx.ProcStart(os.Getpid()))
	if unit != "" {
		line += " rewire-guardian-" + id
	}
	tmp := ReadyPath(st, id) + ".tmp"
	if err := os.WriteFile(tmp, []byte(line+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, ReadyPath(st, id))
}
