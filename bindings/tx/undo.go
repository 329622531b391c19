package tx

import (
	"encoding/json"
	"fmt"
	"strings"

	"rewire/bindings/target"
)

// UndoResult is the outcome of one undo step.
type UndoResult struct {
	Seq  int
	Desc string
	Err  error
	// Gone says why nothing had to be done: the change went with a reboot.
	Gone string
}

func (r UndoResult) String() string {
	if r.Gone != "" {
		return fmt.Sprintf("- undo %d %s: %s", r.Seq, r.Desc, r.Gone)
	}
	if r.Err != nil {
		return fmt.Sprintf("- undo %d %s: FAILED: %v", r.Seq, r.Desc, r.Err)
	}
	return fmt.Sprintf("- undo %d %s: ok", r.Seq, r.Desc)
}

// Report lists every undo step of a rollback.
type Report struct{ Results []UndoResult }

// Failed counts the undo steps that failed.
func (r *Report) Failed() int {
	n := 0
	for _, res := range r.Results {
		if res.Err != nil {
			n++
		}
	}
	return n
}

// Err is nil when every undo step succeeded, else says what is left.
func (r *Report) Err() error {
	var bad []string
	for _, res := range r.Results {
		if res.Err != nil {
			bad = append(bad, fmt.Sprintf("step %d (%s): %v", res.Seq, res.Desc, res.Err))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("rollback incomplete, %d of %d undo steps failed: %s", len(bad), len(r.Results), strings.Join(bad, "; "))
}

// undoRun undoes steps, all of one kind (one group's consecutive steps,
// newest first, when several): with the kind's UndoGroup when it has one
// and there are several to undo on the host, else one by one. skip gives
// the result of a step that needs no undo on the host (never applied,
// gone with a reboot); ok false: undo it. One result per step, in order.
func undoRun(tg *target.Target, steps []*Step, skip func(*Step) (UndoResult, bool)) []UndoResult {
	results := make([]UndoResult, len(steps))
	var todo []int
	for i, st := range steps {
		if res, ok := skip(st); ok {
			results[i] = res
		} else {
			todo = append(todo, i)
		}
	}
	k, _ := lookupKind(steps[0].Kind)
	if len(todo) < 2 || k.UndoGroup == nil {
		for _, i := range todo {
			results[i] = runUndo(tg, steps[i])
		}
		return results
	}
	data := make([]json.RawMessage, len(todo))
	for n, i := range todo {
		data[n] = steps[i].Data
	}
	errs := runUndoGroup(tg, k, data)
	for n, i := range todo {
		st := steps[i]
		results[i] = UndoResult{Seq: st.Seq, Desc: st.Desc, Err: errs[n]}
		markUndone(st, errs[n])
	}
	return results
}

// runUndoGroup is k.UndoGroup with its answer made one error per step: a
// panic or a short answer fails every step it leaves unaccounted for.
func runUndoGroup(tg *target.Target, k Kind, data []json.RawMessage) (errs []error) {
	defer func() {
		if p := recover(); p != nil {
			errs = failAll(len(data), fmt.Errorf("undo panicked: %v", p))
		}
	}()
	errs = k.UndoGroup(tg, data)
	if len(errs) != len(data) {
		return failAll(len(data), fmt.Errorf("grouped undo answered for %d of %d steps", len(errs), len(data)))
	}
	return errs
}

func failAll(n int, err error) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}

func markUndone(st *Step, err error) {
	if err == nil {
		st.Undone, st.UndoErr = true, ""
	} else {
		st.UndoErr = err.Error()
	}
}

func runUndo(tg *target.Target, st *Step) (res UndoResult) {
	res = UndoResult{Seq: st.Seq, Desc: st.Desc}
	k, ok := lookupKind(st.Kind)
	if !ok {
		res.Err = fmt.Errorf("no undo known for change kind %q (is this binary missing a binding?)", st.Kind)
		return res
	}
	defer func() {
		if p := recover(); p != nil {
			res.Err = fmt.Errorf("undo panicked: %v", p)
		}
	}()
	res.Err = k.Undo(tg, st.Data)
	markUndone(st, res.Err)
	return res
}
