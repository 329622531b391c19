package repl

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Guard reviews each statement that changed something, as `run`'s guard
// reviews a run: one that touched the path of an admin session, or after
// which a gateway that answered before stops answering, is pending until
// the admin confirms it, and undone when nobody does.
type Guard interface {
	// Review returns why the changes made since m need confirming, or "".
	Review(m Mark) string
	// Hold records them pending until deadline, where a guardian outside
	// this process holds the deadline should the REPL die or hang.
	Hold(m Mark, deadline time.Time) error
	// Release records that the wait is over (kept, or undone).
	Release() error
	// Deadline is how long a pending statement waits.
	Deadline() time.Duration
}

// pendingStmt is a statement waiting for Enter (keep) or Ctrl-C (undo);
// its timer undoes it at the deadline. Whichever comes first wins.
type pendingStmt struct {
	mu       sync.Mutex
	start    Mark
	reason   string
	deadline time.Time
	done     bool
	timer    *time.Timer
	ticker   *time.Ticker
}

// hold makes the statement that began at start pending, if the guard
// says so; it reports whether it did.
func (r *REPL) hold(start Mark) bool {
	g := r.cfg.Guard
	if g == nil {
		return false
	}
	reason := g.Review(start)
	if reason == "" {
		return false
	}
	d := g.Deadline()
	p := &pendingStmt{start: start, reason: reason, deadline: time.Now().Add(d)}
	if err := g.Hold(start, p.deadline); err != nil {
		r.errorf("guard: %s; and it could not be held pending (%s)", reason, oneLine(err.Error()))
		r.undoTo(start, "the statement")
		return true
	}
	fmt.Fprintf(r.out, "guard: %s: confirm-or-revert armed, %s\n", reason, d)
	p.timer = time.AfterFunc(d, func() { r.expire(p) })
	r.pending1 = p
	return true
}

// countdown is the prompt while a statement is pending.
func (p *pendingStmt) countdown() string {
	left := time.Until(p.deadline).Round(time.Second)
	if left < 0 {
		left = 0
	}
	return fmt.Sprintf("pending: kept in %s unless you press Enter; Ctrl-C undoes it> ", left)
}

// settle ends the wait once: keep (Enter) or undo (Ctrl-C, deadline).
func (r *REPL) settle(p *pendingStmt, keep bool, why string, out io.Writer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	p.done = true
	p.timer.Stop()
	if !keep {
		// Undo before saying so: a dead terminal may block the write.
		r.undoToQuiet(p.start, why, out)
	} else {
		fmt.Fprintln(out, "confirmed: the statement's changes are kept (still to :commit)")
	}
	if err := r.cfg.Guard.Release(); err != nil {
		r.errorf("guard: %s", oneLine(err.Error()))
	}
	r.pending1 = nil
	if !keep {
		r.dropLast(p.start)
	}
}

// expire is the deadline with no answer.
func (r *REPL) expire(p *pendingStmt) {
	r.settle(p, false, "the unconfirmed statement (no answer by the deadline)", r.out)
	if r.refresh != nil {
		r.refresh()
	}
}

// undoToQuiet undoes the changes after m and reports on out.
func (r *REPL) undoToQuiet(m Mark, what string, out io.Writer) {
	before := r.tx.Count()
	err := r.tx.UndoTo(m)
	n := before - r.tx.Count()
	if err != nil {
		fmt.Fprintln(out, oneLine(fmt.Sprintf("undoing %s: %s", what, err)))
		return
	}
	fmt.Fprintf(out, "\nundid %d change%s of %s\n", n, plural(n), what)
}

// dropLast forgets the statement that began at m: it was undone.
func (r *REPL) dropLast(m Mark) {
	if n := len(r.stmts); n > 0 && r.stmts[n-1].start == m {
		r.stmts[n-1].undone = true
	}
}
