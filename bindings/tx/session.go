package tx

import (
	"rewire/bindings/target"
)

// Session is what bindings act through: the target host and the current
// transaction, begun lazily at the first change (a read-only script writes
// no journal) and begun anew after a commit (the REPL goes on).
type Session struct {
	Store  *Store
	Target *target.Target
	Script string
	Args   []string
	DryRun bool // plan: list changes, apply none
	Wait   bool // wait for the lock instead of failing fast

	OnApply func(*Step)
	OnUndo  func(UndoResult)
	// OnBegin is called as a transaction is about to begin, before its
	// first change: what must look at the host before it changes (the
	// guard's probes) waits until something will change.
	OnBegin func()

	// Inject is a fault-injection seam for tests: called with a change's
	// sequence number before it is applied; an error fails that change
	// as if the kernel had refused it.
	Inject func(seq int) error

	// Simulate is handed to each transaction (Tx.Simulate): the changes
	// it selects are listed, never applied.
	Simulate func(Change) bool

	// Guardian, when set, watches every transaction of the session from
	// outside this process, armed as the transaction begins, before its
	// first change is journaled (a plan's replica has none).
	Guardian Guardian

	cur       *Tx
	committed []*Tx
	plan      []*Step
}

// Guardian watches a transaction from another process and rolls it back
// when the process that made it dies without ending it (rewire guardian).
type Guardian interface {
	// Arm starts watching t; it returns once the guardian is in place.
	Arm(t *Tx) error
	// Disarm is told that t ended (committed or rolled back); it returns
	// once the guardian let go of the store lock.
	Disarm(t *Tx)
}

// Apply makes one change inside the current transaction.
func (s *Session) Apply(c Change) error {
	t, err := s.Tx()
	if err != nil {
		return err
	}
	if s.Inject != nil {
		apply, seq := c.Apply, len(t.steps)+1
		c.Apply = func() error {
			if err := s.Inject(seq); err != nil {
				return err
			}
			return apply()
		}
	}
	return t.Apply(c)
}

// Tx returns the open transaction, beginning one if needed.
func (s *Session) Tx() (*Tx, error) {
	if s.cur != nil {
		return s.cur, nil
	}
	if s.OnBegin != nil && !s.DryRun {
		s.OnBegin()
	}
	var t *Tx
	if s.DryRun {
		t = Plan(s.Target)
	} else {
		var err error
		if t, err = s.Store.BeginGuarded(s.Target, s.Script, s.Args, s.Wait, s.Guardian); err != nil {
			return nil, err
		}
	}
	t.OnApply, t.OnUndo, t.Simulate = s.OnApply, s.OnUndo, s.Simulate
	s.cur = t
	return t, nil
}

// Current returns the open transaction, or nil when none has begun.
func (s *Session) Current() *Tx { return s.cur }

// Commit keeps the current transaction's changes; it returns the
// transaction's id ("" when nothing changed).
func (s *Session) Commit() (string, error) {
	if s.cur == nil {
		return "", nil
	}
	t := s.cur
	if err := t.flushAll(); err != nil {
		return t.ID, err // still current: the caller rolls it back
	}
	s.cur = nil
	if t.DryRun {
		s.plan = append(s.plan, t.steps...)
		return "", nil
	}
	if err := t.Commit(); err != nil {
		return t.ID, err
	}
	s.committed = append(s.committed, t)
	return t.ID, nil
}

// Committed returns the transactions this session committed, oldest
// first: a recipe's `tx.commit()` ends one and the next change opens
// another, so one run can journal several.
func (s *Session) Committed() []*Tx { return append([]*Tx(nil), s.committed...) }

// Rollback undoes the current transaction's changes.
func (s *Session) Rollback() *Report {
	if s.cur == nil {
		return &Report{}
	}
	t := s.cur
	s.cur = nil
	return t.Rollback()
}

// Planned returns every change listed so far in a dry run.
func (s *Session) Planned() []*Step {
	out := append([]*Step(nil), s.plan...)
	if s.cur != nil {
		out = append(out, s.cur.steps...)
	}
	return out
}
