package tx

import (
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
	if res.Err == nil {
		st.Undone, st.UndoErr = true, ""
	} else {
		st.UndoErr = res.Err.Error()
	}
	return res
}
