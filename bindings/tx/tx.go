// Package tx is rewire's transaction core. Every mutating primitive is a
// Change: a one-line description, the exact prior state of what it
// touches (captured before it mutates, written to the journal and
// fsynced), the mutation, and an idempotent undo registered by Kind.
// A transaction rolls back in reverse, reporting each step, and a failed
// undo does not stop the others.
package tx

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"rewire/bindings/target"
)

// Change is one mutation a binding asks the transaction to make.
type Change struct {
	Kind string // a registered Kind, e.g. "link.set"
	Obj  string // what it touches, e.g. "link:br0" (drift is checked on the last change per object)
	Desc string // one line for logs, plans and the journal
	// prior is the state the kind's undo needs, journaled as JSON before
	// Apply runs; only a kind (KindOf.Change) sets it, so its type is the
	// one the undo reads.
	prior any
	Apply func() error
	// Ends lists other objects this change ends (a deleted bridge's
	// addresses, routes and ports): their earlier changes are no longer
	// judged for drift on their own, the undo of this one restores them.
	Ends []string
}

// Ending returns c ending objs too (Change.Ends).
func (c Change) Ending(objs []string) Change {
	c.Ends = objs
	return c
}

// Tx is an open transaction.
type Tx struct {
	ID     string
	Target *target.Target
	DryRun bool // record the plan; touch nothing

	store  *Store
	j      *journalFile
	steps  []*Step
	closed bool
	// mu makes Apply safe to call from several goroutines (changes to
	// different guests made in parallel): the journal and the step list
	// are taken in turn; the mutations themselves run side by side.
	mu sync.Mutex

	pending  []deferred // put-off changes (deferred.go)
	flushErr error      // a put-off change that failed at a savepoint

	guardian Guardian // armed for this transaction, nil if none

	// OnApply is told of each change once it is applied (or planned).
	OnApply func(*Step)
	// OnUndo is told of each undo step as it finishes.
	OnUndo func(UndoResult)
	// Simulate selects changes that are listed and journaled but neither
	// applied nor undone: a plan run against a replica of the host applies
	// the kernel's changes there, while the libvirt daemon it cannot copy
	// must not be touched.
	Simulate func(Change) bool
}

// Begin opens a transaction against tg: it takes the store's lock and
// writes the journal's begin record.
func (s *Store) Begin(tg *target.Target, script string, args []string, wait bool) (*Tx, error) {
	return s.BeginGuarded(tg, script, args, wait, nil)
}

// BeginGuarded is Begin with guardian g (nil: none) armed between the
// journal's creation and its begin record, so that no record a crash can
// leave behind is unguarded.
func (s *Store) BeginGuarded(tg *target.Target, script string, args []string, wait bool, g Guardian) (*Tx, error) {
	t := &Tx{ID: newID(), Target: tg, store: s}
	if err := s.Lock(t.ID, wait); err != nil {
		return nil, err
	}
	j, err := s.createJournal(t.ID)
	if err != nil {
		s.Unlock()
		return nil, err
	}
	t.j = j
	if g != nil {
		if err := t.Arm(g); err != nil {
			j.close()
			os.Remove(s.journalPath(t.ID)) // nothing began
			s.Unlock()
			return nil, err
		}
	}
	if tg.Identity == nil {
		if err := tg.Identify(); err != nil {
			t.finish(StateRolledBack)
			return nil, err
		}
	}
	spec := tg.Spec
	if err := j.append(Record{T: "begin", Target: &spec, Script: script, Args: args, PID: os.Getpid(), OwnerStart: ProcStart(os.Getpid())}); err != nil {
		t.finish(StateRolledBack)
		return nil, err
	}
	return t, nil
}

// Plan opens a dry-run transaction: changes are listed, never applied or journaled.
func Plan(tg *target.Target) *Tx { return &Tx{ID: "plan", Target: tg, DryRun: true} }

// ErrClosed is returned for a change made after commit or rollback.
var ErrClosed = errors.New("transaction is already closed")

// Apply journals c's prior state, then mutates. If the mutation fails, its
// undo runs at once (undos tolerate partial changes), so a caller that
// handles the error — Lua's pcall — is left with the host as it was.
func (t *Tx) Apply(c Change) error {
	if err := t.Flush(); err != nil { // what was put off comes first
		return err
	}
	t.mu.Lock()
	st, err := t.intent(&c)
	t.mu.Unlock()
	if err != nil || st == nil {
		return err
	}
	err = c.Apply()
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		res := t.undoOne(st)
		if res.Err != nil {
			return fmt.Errorf("%w (and undoing it failed: %v)", err, res.Err)
		}
		return err
	}
	st.Done = true
	if err := t.j.append(Record{T: "done", Seq: st.Seq}); err != nil {
		return err
	}
	if t.OnApply != nil {
		t.OnApply(st)
	}
	return nil
}

// intent records c as a step and journals its prior state (t.mu held);
// a nil step means there is nothing to apply (a dry run listed it).
func (t *Tx) intent(c *Change) (*Step, error) {
	if t.closed {
		return nil, ErrClosed
	}
	if _, ok := lookupKind(c.Kind); !ok && !t.DryRun {
		return nil, fmt.Errorf("tx: unregistered change kind %q", c.Kind)
	}
	data, err := json.Marshal(c.prior)
	if err != nil {
		return nil, fmt.Errorf("tx: encode prior state of %q: %w", c.Desc, err)
	}
	st := &Step{Seq: len(t.steps) + 1, Kind: c.Kind, Obj: c.Obj, Ends: c.Ends, Desc: c.Desc, Data: data}
	if t.DryRun {
		st.Done = true
		t.steps = append(t.steps, st)
		if t.OnApply != nil {
			t.OnApply(st)
		}
		return nil, nil
	}
	if t.Simulate != nil && t.Simulate(*c) {
		st.Simulated = true
		c.Apply = func() error { return nil }
	}
	if err := t.j.append(Record{T: "intent", Seq: st.Seq, Kind: c.Kind, Obj: c.Obj, Ends: c.Ends, Desc: c.Desc, Data: data}); err != nil {
		return nil, err
	}
	t.steps = append(t.steps, st)
	return st, nil
}

// Steps returns the changes made so far (undone ones included, flagged).
func (t *Tx) Steps() []*Step { return t.steps }

// Live returns the number of changes made and not undone.
func (t *Tx) Live() int {
	n := 0
	for _, s := range t.steps {
		if !s.Undone {
			n++
		}
	}
	return n
}

// Savepoint marks the current point; RollbackTo returns to it.
// Put-off work runs first (its error is returned by the next change or
// the commit: a savepoint has no error to return).
func (t *Tx) Savepoint(name string) int {
	if err := t.Flush(); err != nil {
		t.flushErr = errors.Join(t.flushErr, err)
	}
	if !t.DryRun && t.j != nil {
		t.j.append(Record{T: "savepoint", Name: name, Seq: len(t.steps)})
	}
	return len(t.steps)
}

// RollbackTo undoes, newest first, every change made after savepoint sp.
func (t *Tx) RollbackTo(sp int) *Report {
	t.discard() // put off after sp (a savepoint flushes): it never ran
	rep := &Report{}
	var todo []*Step
	for i := len(t.steps) - 1; i >= sp && i >= 0; i-- {
		if st := t.steps[i]; !st.Undone {
			todo = append(todo, st)
		}
	}
	undo := func(run []*Step) []UndoResult { return undoRun(t.Target, run, simulatedUndo) }
	undoInOrder(todo, undo, func(st *Step, res UndoResult) {
		rep.Results = append(rep.Results, t.recordUndo(st, res))
	})
	return rep
}

// Rollback undoes every change, newest first, and closes the transaction.
func (t *Tx) Rollback() *Report {
	if t.closed {
		return &Report{}
	}
	rep := t.RollbackTo(0)
	state := StateRolledBack
	if rep.Failed() > 0 {
		state = StateIncomplete
	}
	t.finish(state)
	return rep
}

// Commit keeps the changes and closes the transaction.
func (t *Tx) Commit() error {
	if t.closed {
		return ErrClosed
	}
	if err := t.flushAll(); err != nil {
		return err // still open: the caller rolls back
	}
	return t.finish(StateCommitted)
}

// MarkPending records that the transaction is applied and waits for a
// confirmation until deadline; it stays open (and locked).
func (t *Tx) MarkPending(deadline time.Time) error {
	if err := t.Flush(); err != nil {
		return err
	}
	if t.DryRun || t.j == nil {
		return nil
	}
	return t.j.append(Record{T: "state", State: StatePending, Time: deadline})
}

// Detach closes the transaction's files and lock without ending it, so
// another process (a guardian) can take it over from the journal.
func (t *Tx) Detach() {
	if t.j != nil {
		t.j.close()
	}
	t.closed = true
	if t.store != nil {
		t.store.Unlock()
	}
}

func (t *Tx) finish(state string) error {
	t.closed = true
	if t.DryRun {
		return nil
	}
	err := t.j.append(Record{T: "end", State: state})
	t.j.close()
	t.store.Unlock()
	if t.guardian != nil {
		t.guardian.Disarm(t) // it holds a share of the lock until it exits
		t.guardian = nil
	}
	return err
}

// Arm has g watch t (Session.Guardian does this as t begins).
func (t *Tx) Arm(g Guardian) error {
	if t.guardian != nil || t.DryRun {
		return nil
	}
	if err := g.Arm(t); err != nil {
		return fmt.Errorf("guardian: %w", err)
	}
	t.guardian = g
	return nil
}

// Guarded reports whether a guardian watches t.
func (t *Tx) Guarded() bool { return t.guardian != nil }

// Guardian returns the guardian watching t, nil if none.
func (t *Tx) Guardian() Guardian { return t.guardian }

// Store returns the state store t is journaled in.
func (t *Tx) Store() *Store { return t.store }

// MarkStatementPending records that the changes after step from wait for
// a confirmation until deadline (a REPL statement); the transaction stays
// open and its guardian holds the deadline should this process go.
func (t *Tx) MarkStatementPending(from int, deadline time.Time) error {
	if err := t.Flush(); err != nil {
		return err
	}
	if t.DryRun || t.j == nil {
		return nil
	}
	return t.j.append(Record{T: "state", State: StatePending, Seq: from, Time: deadline, Name: "statement"})
}

// ResolveStatement ends a statement's wait: kept, or undone (RollbackTo
// first); the transaction is open again.
func (t *Tx) ResolveStatement() error {
	if t.DryRun || t.j == nil {
		return nil
	}
	return t.j.append(Record{T: "state", State: StateOpen})
}

func (t *Tx) undoOne(st *Step) UndoResult {
	return t.recordUndo(st, undoRun(t.Target, []*Step{st}, simulatedUndo)[0])
}

// simulatedUndo answers for a step that was never applied: nothing to undo.
func simulatedUndo(st *Step) (UndoResult, bool) {
	if !st.Simulated {
		return UndoResult{}, false
	}
	st.Undone = true
	return UndoResult{Seq: st.Seq, Desc: st.Desc}, true
}

// recordUndo journals an undo's result and tells OnUndo.
func (t *Tx) recordUndo(st *Step, res UndoResult) UndoResult {
	if !t.DryRun {
		rec := Record{T: "undo", Seq: st.Seq}
		if res.Err != nil {
			rec.Err = res.Err.Error()
		}
		if err := t.j.append(rec); err != nil && res.Err == nil {
			res.Err = err
		}
	}
	if t.OnUndo != nil {
		t.OnUndo(res)
	}
	return res
}
