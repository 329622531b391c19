package guard

import (
	"fmt"
	"io"
	"time"

	"rewire/bindings/target"
	"rewire/bindings/tx"
)

// DefaultConfirm is the deadline the guard arms by itself.
const DefaultConfirm = 2 * time.Minute

// Guard is what rewire notes about the host before a run changes it: the
// admin's sessions and the automatic probes that answer.
type Guard struct {
	Target   *target.Target
	Sessions []Session
	Before   *Reachable
}

// Before looks at tg before a change (call it before the script runs).
func Before(tg *target.Target) *Guard {
	ss := Sessions(tg)
	return &Guard{Target: tg, Sessions: ss, Before: baselineOf(tg, ss)}
}

// CommitOptions are the run's flags that decide how a change is kept.
type CommitOptions struct {
	Confirm    time.Duration // --confirm; 0 = only if the guard arms it
	Auto       time.Duration // the deadline the guard arms; 0 = DefaultConfirm
	Self       string        // this binary (os.Executable), started as the guardian
	Out        io.Writer     // countdown and the guard's reasons
	StdinIsTTY bool          // Enter confirms
}

// Commit is the run's commit hook (script.Options.Commit). With g (nil for
// --no-guard) it first requires the probes that answered before to answer
// again — else the run rolls back — and arms confirm-or-revert when the
// change touched the path of an admin session, saying why on o.Out. Then
// it commits, confirm-or-revert when armed.
func Commit(g *Guard, o CommitOptions) func(*tx.Session) error {
	return func(s *tx.Session) error {
		deadline := o.Confirm
		if g != nil {
			if err := Verify(s.Target, g.Before); err != nil {
				return fmt.Errorf("guard: %w", err)
			}
			if reason, ok := Touched(g.Sessions, s.Current().Steps()); ok && deadline == 0 {
				deadline = o.Auto
				if deadline == 0 {
					deadline = DefaultConfirm
				}
				fmt.Fprintf(o.Out, "guard: %s: confirm-or-revert armed, %s (--no-guard disables)\n", reason, deadline)
			}
		}
		if deadline > 0 {
			return ConfirmCommit(deadline, o.Self, o.Out, o.StdinIsTTY)(s)
		}
		_, err := s.Commit()
		return err
	}
}
