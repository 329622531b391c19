package guard

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"rewire/bindings/tx"
)

// ErrNotConfirmed is returned when the guardian rolled a change back.
var ErrNotConfirmed = errors.New("not confirmed in time: the guardian rolled the change back")

// ConfirmCommit is the confirm-or-revert commit for `rewire run --confirm
// DURATION`: it marks the transaction pending in the journal and leaves
// it to its guardian (armed as the transaction began, or now), shows a
// countdown on out, and returns nil once the change is confirmed (Enter
// on the terminal when stdinIsTTY, or `rewire confirm ID` from any
// session), or an error once the guardian rolled it back.
func ConfirmCommit(deadline time.Duration, self string, out io.Writer, stdinIsTTY bool) func(*tx.Session) error {
	return func(s *tx.Session) error {
		t := s.Current()
		if !t.Guarded() {
			if err := t.Arm(&Guardian{Self: self, Mode: ModeRun}); err != nil {
				return err // still attached: the run rolls back itself
			}
		}
		g, _ := t.Guardian().(*Guardian)
		until := time.Now().Add(deadline)
		if err := t.MarkPending(until); err != nil {
			return err
		}
		// A second run names who holds the lock now, and how to end it.
		s.Store.SetHolder(fmt.Sprintf("guardian of pending transaction %s (rewire confirm %s keeps it)", t.ID, t.ID))
		t.Detach() // the guardian's share of the lock stays
		var exited <-chan struct{}
		if g != nil {
			exited = g.Exited()
		}
		return waitConfirmed(s.Store, t.ID, until, exited, out, stdinIsTTY)
	}
}

// revertHere rolls back at once when no guardian runs: with the lock
// handed back, or (lock nil) taking it anew.
func revertHere(st *tx.Store, id string, lock *os.File, out io.Writer, cause error) error {
	var err error
	if lock != nil {
		err = st.AdoptLock(lock, fmt.Sprintf("pid %d, transaction %s", os.Getpid(), id))
	} else {
		err = st.Lock(id, false)
	}
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return fmt.Errorf("%v; and the lock could not be taken (%v): run `rewire recover`", cause, err)
	}
	defer st.Unlock()
	rep, err := st.RevertPending(id, func(r tx.UndoResult) { fmt.Fprintln(out, r) })
	if err == nil {
		err = rep.Err()
	}
	if err != nil {
		return fmt.Errorf("%v; rolling back failed too: %v", cause, err)
	}
	return fmt.Errorf("%v: rolled back", cause)
}

// waitConfirmed shows the countdown until the journal says the change was
// confirmed or rolled back.
func waitConfirmed(st *tx.Store, id string, until time.Time, exited <-chan struct{}, out io.Writer, tty bool) error {
	enter := make(chan struct{}, 1)
	if tty {
		go func() {
			if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err == nil {
				enter <- struct{}{}
			}
		}()
		fmt.Fprintf(out, "pending: press Enter to keep these changes (Ctrl-C rolls them back now), or run `rewire confirm %s` from another session\n", id)
	} else {
		fmt.Fprintf(out, "pending: run `rewire confirm %s` within %s to keep these changes, or they are rolled back\n",
			id, time.Until(until).Round(time.Second))
	}
	// Ctrl-C means "undo it now", as with netplan try; losing the
	// terminal (SIGHUP) leaves the decision to the guardian.
	intr := make(chan os.Signal, 1)
	signal.Notify(intr, os.Interrupt)
	defer signal.Stop(intr)
	interrupted := false
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	guardianGone := false
	for {
		select {
		case <-intr:
			if err := st.RevertNow(id); err != nil {
				fmt.Fprintf(out, "\nrewire: %v\n", err)
			} else if !interrupted {
				interrupted = true
				fmt.Fprintf(out, "\ninterrupted: rolling back now\n")
			}
		case <-enter:
			if err := st.Confirm(id); err != nil {
				fmt.Fprintf(out, "\nrewire: %v\n", err)
			}
		case <-exited:
			guardianGone, exited = true, nil
			if sum, lerr := st.Load(id); lerr == nil && sum.State == tx.StatePending {
				// The guardian died with the change still pending: nobody
				// would revert it, so do it here, now.
				return revertHere(st, id, nil, out, fmt.Errorf("the guardian exited (see %s)", LogPath(st, id)))
			}
		case <-tick.C:
		}
		sum, err := st.Load(id)
		if err != nil {
			return err
		}
		switch sum.State {
		case tx.StatePending, tx.StateRollingBack:
			if tty {
				left := time.Until(until).Round(time.Second)
				if left < 0 {
					left = 0
				}
				fmt.Fprintf(out, "\rrolls back in %-8s", left)
			}
			continue
		case tx.StateCommitted:
			if !guardianGone && exited != nil {
				<-exited // it lets the lock go as it exits
			}
			fmt.Fprintf(out, "\nconfirmed: transaction %s is committed\n", id)
			return nil
		default:
			if !guardianGone && exited != nil {
				<-exited
			}
			fmt.Fprintln(out)
			printUndos(out, sum)
			why := ErrNotConfirmed
			if interrupted {
				why = ErrInterrupted
			}
			if sum.State == tx.StateIncomplete {
				return fmt.Errorf("%w, incompletely (transaction %s: see rewire journal show %s)", why, id, id)
			}
			return why
		}
	}
}
