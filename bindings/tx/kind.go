package tx

import (
	"encoding/json"
	"fmt"

	"rewire/bindings/target"
)

// KindOf is a kind of change whose prior state is a T: it is the one
// place that knows the shape of its journal record. A binding declares
// each of its kinds once (NewKind, at package level) and makes changes
// through it (Apply), so the compiler checks that the prior state a
// change journals is what its undo reads; the plan, the journal renderer
// and the drift check ask the kind, never the record.
type KindOf[T any] struct {
	name string
}

// KindOptions are what a kind may answer besides its undo.
type KindOptions[T any] struct {
	// Drift returns an error describing how the object differs from what
	// the change left; rollback of a committed transaction refuses on it.
	Drift func(tg *target.Target, prior T) error
	// OutlivesBoot: a reboot keeps these changes (files, libvirt
	// definitions); after one, only these are undone.
	OutlivesBoot bool
	// Diff shows what the change does as text before and after (a guest's
	// XML), for plans; "", "" when there is nothing to show.
	Diff func(prior T) (before, after string)
	// Group names the object the undo touches; undos of different groups
	// may run side by side (libvirt runs jobs on different guests in
	// parallel). Only for undos that share nothing across groups.
	Group func(prior T) string
	// UndoGroup undoes a run of one group's consecutive changes at once,
	// priors newest first (a guest's NICs: each live device restored, the
	// persistent XML defined once), leaving what undo of each in turn
	// would; one error per prior, each reported on its own step. Undo
	// still serves a change alone (a failed apply) and must stay exact.
	UndoGroup func(tg *target.Target, priors []T) []error
	// DriftGroup is Drift of several changes of one group (a guest's
	// NICs, from one read of it): one error per prior, in order.
	DriftGroup func(tg *target.Target, priors []T) []error
}

// NewKind registers a kind of change named name ("link.set"): undo
// restores prior, and must be idempotent (a change that never happened,
// half happened, or was already undone). It panics on a name used twice:
// bindings declare kinds at package level.
func NewKind[T any](name string, undo func(tg *target.Target, prior T) error, o KindOptions[T]) *KindOf[T] {
	k := &KindOf[T]{name: name}
	reg := Kind{
		Undo: func(tg *target.Target, raw json.RawMessage) error {
			return withPrior(k, raw, func(v T) error { return undo(tg, v) })
		},
		OutlivesBoot: o.OutlivesBoot,
	}
	if o.Drift != nil {
		reg.Drift = func(tg *target.Target, raw json.RawMessage) error {
			return withPrior(k, raw, func(v T) error { return o.Drift(tg, v) })
		}
	}
	if o.Diff != nil {
		reg.Diff = func(raw json.RawMessage) (string, string) {
			var before, after string
			withPrior(k, raw, func(v T) error { before, after = o.Diff(v); return nil })
			return before, after
		}
	}
	if o.Group != nil {
		reg.Group = func(raw json.RawMessage) string {
			var g string
			withPrior(k, raw, func(v T) error { g = o.Group(v); return nil })
			return g
		}
	}
	if o.UndoGroup != nil {
		reg.UndoGroup = withPriors(k, o.UndoGroup)
	}
	if o.DriftGroup != nil {
		reg.DriftGroup = withPriors(k, o.DriftGroup)
	}
	Register(name, reg)
	return k
}

// Name is the kind's name, as the journal stores it.
func (k *KindOf[T]) Name() string { return k.name }

// Change builds a change of this kind: prior is what undo gets back, and
// is journaled (fsynced) before apply runs.
func (k *KindOf[T]) Change(obj, desc string, prior T, apply func() error) Change {
	return Change{Kind: k.name, Obj: obj, Desc: desc, prior: prior, Apply: apply}
}

// Apply makes a change of this kind in the session's transaction.
func (k *KindOf[T]) Apply(s *Session, obj, desc string, prior T, apply func() error) error {
	return s.Apply(k.Change(obj, desc, prior, apply))
}

// Decode returns a step's prior state if the step is of this kind.
func (k *KindOf[T]) Decode(st *Step) (T, bool) {
	var v T
	if st == nil || st.Kind != k.name || json.Unmarshal(st.Data, &v) != nil {
		return v, false
	}
	return v, true
}

func withPrior[T any](k *KindOf[T], raw json.RawMessage, fn func(T) error) error {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("journal data of %s: %w", k.name, err)
	}
	return fn(v)
}

// withPriors decodes the journal data of a group's run for fn: any that
// does not decode fails every change of the run.
func withPriors[T any](k *KindOf[T], fn func(*target.Target, []T) []error) func(*target.Target, []json.RawMessage) []error {
	return func(tg *target.Target, raws []json.RawMessage) []error {
		priors := make([]T, len(raws))
		for i, raw := range raws {
			if err := withPrior(k, raw, func(v T) error { priors[i] = v; return nil }); err != nil {
				return failAll(len(raws), err)
			}
		}
		return fn(tg, priors)
	}
}

// DiffOf is what a step's kind shows of it for a plan (KindOptions.Diff).
func DiffOf(st *Step) (before, after string) {
	k, ok := lookupKind(st.Kind)
	if !ok || k.Diff == nil {
		return "", ""
	}
	return k.Diff(st.Data)
}
