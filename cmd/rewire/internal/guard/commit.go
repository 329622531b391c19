package guard

import (
	"fmt"
	"io"
	"sync"
	"time"

	"rewire/bindings/target"
	"rewire/bindings/tx"
)

// DefaultConfirm is the deadline the guard arms by itself.
const DefaultConfirm = 2 * time.Minute

// Guard is what rewire notes about the host before a run changes it: the
// admin's sessions and the automatic probes that answer.
type Guard struct {
	Target *target.Target
	// Sessions and Before are what Take saw: admin sessions coming in,
	// the probes that answered.
	Sessions []Session
	Before   *Reachable

	lazy bool // made by Lazy: Sessions and Before wait for Take
	once sync.Once
}

// Before looks at tg now (before the script runs).
func Before(tg *target.Target) *Guard {
	ss := Sessions(tg)
	return &Guard{Target: tg, Sessions: ss, Before: baselineOf(tg, ss)}
}

// Lazy is a guard that looks at tg only when Take is called: as the
// first transaction begins, before its first change. A run that changes
// nothing pings nobody and reads no sessions.
func Lazy(tg *target.Target) *Guard { return &Guard{Target: tg, lazy: true} }

// Take looks at the host, once: admin sessions, the probes that answer.
func (g *Guard) Take() {
	if !g.lazy {
		return // a guard made whole already
	}
	g.once.Do(func() {
		g.Sessions = Sessions(g.Target)
		g.Before = baselineOf(g.Target, g.Sessions)
		g.lazy = false
	})
}

// Taken says whether the guard has looked at the host (a lazy one once
// Take ran: only then can anything have changed).
func (g *Guard) Taken() bool { return g != nil && !g.lazy }

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
		if g.Taken() && s.Current() != nil {
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
