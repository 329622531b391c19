package guard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"rewire/bindings/tx"
)

// LockFD is the descriptor number the watchdog finds the store lock at.
const LockFD = 3

// pollEvery is how often the watchdog and the waiting run read the journal.
var pollEvery = 200 * time.Millisecond

// LogPath is where a transaction's watchdog writes what it did.
func LogPath(st *tx.Store, id string) string {
	return filepath.Join(st.Dir, "journal", id+".watchdog.log")
}

// startWatchdog starts `self watchdog --state-dir DIR --lock-fd 3 ID` in
// its own session, stdio on /dev/null, holding the handed-over lock: it
// outlives the run, the terminal and the SSH connection.
func startWatchdog(self string, st *tx.Store, id string, lock *os.File) (*exec.Cmd, error) {
	cmd := exec.Command(self, "watchdog", "--state-dir", st.Dir, "--lock-fd", strconv.Itoa(LockFD), id)
	cmd.ExtraFiles = []*os.File{lock} // becomes fd 3
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Dir = "/"
	for _, kv := range os.Environ() {
		// The crash seam is for the run under test, not its watchdog.
		if !strings.HasPrefix(kv, "REWIRE_CRASH_AFTER=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start watchdog %s: %w", self, err)
	}
	return cmd, nil
}

// Watch is the watchdog (`rewire watchdog`): it holds the store lock,
// waits for transaction id to be confirmed, and at the deadline rolls it
// back from the journal. lock is the handed-over lock descriptor, or nil
// to take the lock itself. It ignores SIGHUP and SIGINT: losing the
// terminal is exactly what it is there for.
func Watch(st *tx.Store, id string, lock *os.File, log io.Writer) error {
	signal.Ignore(syscall.SIGHUP, syscall.SIGINT, syscall.SIGPIPE)
	holder := watchdogHolder(id)
	if lock != nil {
		if err := st.AdoptLock(lock, holder); err != nil {
			return err
		}
	} else if err := st.Lock(id, false); err != nil {
		return err
	}
	defer st.Unlock()
	sum, err := st.WaitPending(context.Background(), id, pollEvery)
	if err != nil {
		return err
	}
	if sum.State != tx.StatePending {
		fmt.Fprintf(log, "%s: transaction %s is %s; nothing to do\n", now(), id, sum.State)
		return nil
	}
	fmt.Fprintf(log, "%s: transaction %s not confirmed by %s: rolling back\n", now(), id, sum.Deadline.Local().Format(time.TimeOnly))
	rep, err := st.RevertPending(id, func(r tx.UndoResult) { fmt.Fprintf(log, "%s: %s\n", now(), r) })
	var np *tx.NotPendingError
	if errors.As(err, &np) {
		fmt.Fprintf(log, "%s: %v (confirmed at the deadline)\n", now(), err)
		return nil
	}
	if err != nil {
		return err
	}
	if err := rep.Err(); err != nil {
		return err
	}
	fmt.Fprintf(log, "%s: rolled back transaction %s (%d steps)\n", now(), id, len(rep.Results))
	return nil
}

func now() string { return time.Now().Format(time.TimeOnly) }

// watchdogHolder is how the lock names a pending transaction's watchdog.
func watchdogHolder(id string) string {
	return fmt.Sprintf("watchdog of pending transaction %s (rewire confirm %s keeps it)", id, id)
}
