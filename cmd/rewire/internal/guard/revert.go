package guard

import (
	"errors"
	"fmt"
	"io"
	"time"

	"rewire/bindings/tx"
)

// ErrInterrupted is returned when the admin asked for the pending change
// to be undone at once (Ctrl-C at the countdown).
var ErrInterrupted = errors.New("interrupted at the countdown: the guardian rolled the change back")

// RevertNow is `rewire rollback ID` for a pending transaction: the
// guardian holds the store lock, so it is asked (tx.Store.RevertNow) to
// roll back at once, and this waits for it to finish and prints each
// undo step to out.
func RevertNow(st *tx.Store, id string, out io.Writer) error {
	if err := st.RevertNow(id); err != nil {
		return err
	}
	fmt.Fprintf(out, "transaction %s: asked its guardian to roll it back now\n", id)
	// The guardian looks every pollEvery; a rollback of many steps, or a
	// guest slow to release a NIC, takes longer, so wait generously.
	giveUp := time.Now().Add(5 * time.Minute)
	for {
		sum, err := st.Load(id)
		if err != nil {
			return err
		}
		switch sum.State {
		case tx.StatePending, tx.StateRollingBack:
			if time.Now().After(giveUp) {
				return fmt.Errorf("transaction %s still %s after 5 minutes: see %s", id, sum.State, LogPath(st, id))
			}
			time.Sleep(pollEvery)
			continue
		case tx.StateCommitted:
			return fmt.Errorf("transaction %s was confirmed before its guardian could roll it back", id)
		}
		printUndos(out, sum)
		if sum.State == tx.StateIncomplete {
			return fmt.Errorf("transaction %s rolled back incompletely: see rewire journal show %s", id, id)
		}
		return nil
	}
}

// printUndos lists each undo step of a rolled-back transaction.
func printUndos(out io.Writer, sum *tx.Summary) {
	for i := len(sum.Steps) - 1; i >= 0; i-- {
		step := sum.Steps[i]
		r := tx.UndoResult{Seq: step.Seq, Desc: step.Desc}
		if step.UndoErr != "" {
			r.Err = errors.New(step.UndoErr)
		} else if !step.Undone {
			continue
		}
		fmt.Fprintln(out, r)
	}
}
