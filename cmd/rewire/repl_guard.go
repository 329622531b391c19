package main

import (
	"time"

	"rewire/bindings/tx"
	"rewire/cmd/rewire/internal/guard"
	"rewire/lua/repl"
)

// replGuard is the REPL's guard (repl.Guard): what `run` notes before a
// change — admin sessions, gateways that answer — reviewed after every
// statement that changed something.
type replGuard struct {
	s        *tx.Session
	g        *guard.Guard
	deadline time.Duration
}

// since lists the steps the open transaction made after m.
func (r replGuard) since(m repl.Mark) []*tx.Step {
	t := r.s.Current()
	if t == nil {
		return nil
	}
	steps := t.Steps()
	if t.ID == m.Tx && m.N <= len(steps) {
		steps = steps[m.N:]
	}
	return steps
}

func (r replGuard) Review(m repl.Mark) string {
	if !r.g.Taken() { // no transaction began: nothing changed
		return ""
	}
	if reason, ok := guard.Touched(r.g.Sessions, r.since(m)); ok {
		return reason
	}
	if err := guard.Verify(r.s.Target, r.g.Before); err != nil {
		return err.Error()
	}
	return ""
}

func (r replGuard) Hold(m repl.Mark, deadline time.Time) error {
	t := r.s.Current()
	if t == nil {
		return nil
	}
	from := m.N
	if t.ID != m.Tx {
		from = 0
	}
	return t.MarkStatementPending(from, deadline)
}

func (r replGuard) Release() error {
	if t := r.s.Current(); t != nil {
		return t.ResolveStatement()
	}
	return nil
}

func (r replGuard) Deadline() time.Duration { return r.deadline }
