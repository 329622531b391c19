package tx

import (
	"fmt"
	"strings"
	"time"

	"rewire/bindings/target"
)

// Unfinished reports whether a transaction was left open by a process that
// is gone (or is rolling back, or pending past its deadline).
func (s *Summary) Unfinished() bool {
	switch s.State {
	case StateOpen, StateRollingBack, StateIncomplete:
		return true
	case StatePending:
		return true
	}
	return false
}

// Recover rolls back every transaction a crash or kill left unfinished.
// It takes the lock first, so a live transaction is never touched.
func (s *Store) Recover(onUndo func(id string, r UndoResult)) ([]string, error) {
	if err := s.Lock("recover", false); err != nil {
		return nil, err
	}
	defer s.Unlock()
	all, err := s.List()
	if err != nil {
		return nil, err
	}
	var done []string
	var failed []string
	for _, sum := range all {
		if !sum.Unfinished() {
			continue
		}
		rep, err := s.undoSummary(sum, func(r UndoResult) {
			if onUndo != nil {
				onUndo(sum.ID, r)
			}
		})
		if err != nil {
			failed = append(failed, err.Error())
			continue
		}
		done = append(done, sum.ID)
		if rep.Failed() > 0 {
			failed = append(failed, sum.ID+": "+rep.Err().Error())
		}
	}
	if len(failed) > 0 {
		return done, fmt.Errorf("%s", strings.Join(failed, "\n"))
	}
	return done, nil
}

// RollbackCommitted undoes a committed transaction. Unless force, it first
// checks that each object is still as the transaction left it, and refuses
// with the reason if the host drifted since.
func (s *Store) RollbackCommitted(id string, force bool, onUndo func(UndoResult)) (*Report, error) {
	if err := s.Lock("rollback of "+id, false); err != nil {
		return nil, err
	}
	defer s.Unlock()
	sum, err := s.Load(id)
	if err != nil {
		return nil, err
	}
	if sum.State != StateCommitted && !sum.Unfinished() {
		return nil, fmt.Errorf("transaction %s is %s: nothing to roll back", id, sum.State)
	}
	if !force {
		if err := s.checkDrift(sum); err != nil {
			return nil, err
		}
	}
	return s.undoSummary(sum, onUndo)
}

// checkDrift runs the drift check of the last change made to each object.
func (s *Store) checkDrift(sum *Summary) error {
	tg, err := reach(sum)
	if err != nil {
		return err
	}
	// After a reboot only what outlives one (files, libvirt definitions)
	// is undone and judged: a persisted run's files are what the boot
	// came up from, and rolling them back is how an admin gets the old
	// configuration at the next boot.
	rebooted := tg == nil
	if rebooted && !outlivesBoot(sum) {
		return fmt.Errorf("transaction %s was made before a reboot of this host: its kernel changes went with that boot, and nothing it changed outlives one", sum.ID)
	}
	if tg != nil {
		defer tg.Close()
	}
	seen := map[string]bool{}
	var judged []*Step
	for i := len(sum.Steps) - 1; i >= 0; i-- {
		st := sum.Steps[i]
		if st.Undone || !st.Done || (st.Obj != "" && seen[st.Obj]) {
			continue
		}
		seen[st.Obj] = true
		for _, o := range st.Ends {
			seen[o] = true
		}
		k, ok := lookupKind(st.Kind)
		if !ok || k.Drift == nil || (rebooted && !k.OutlivesBoot) {
			continue
		}
		judged = append(judged, st)
	}
	var drifted []string
	for i, err := range driftOf(tg, judged) {
		if err != nil {
			drifted = append(drifted, fmt.Sprintf("step %d (%s): %v", judged[i].Seq, judged[i].Desc, err))
		}
	}
	if len(drifted) > 0 {
		return fmt.Errorf("refusing to roll back %s: the host changed since (use --force to undo anyway): %s",
			sum.ID, strings.Join(drifted, "; "))
	}
	return nil
}

// outlivesBoot says whether a step not undone yet is of a kind a reboot
// keeps.
func outlivesBoot(sum *Summary) bool {
	for _, st := range sum.Steps {
		if k, ok := lookupKind(st.Kind); ok && k.OutlivesBoot && !st.Undone {
			return true
		}
	}
	return false
}

// reach finds the host a journaled transaction was made on (target.Reach).
// It returns nil, nil after a reboot, when only what outlives a boot can
// be undone, and an error naming the namespace when it cannot be reached:
// undoing "here" instead would change a host that never had the change.
func reach(sum *Summary) (*target.Target, error) {
	tg, err := target.Reach(sum.Target)
	if err == nil {
		return tg, nil
	}
	if sum.Target.Rebooted() {
		return nil, nil
	}
	return nil, &UnreachableError{ID: sum.ID, Err: err}
}

// UnreachableError refuses to undo a transaction whose namespace this
// process cannot reach.
type UnreachableError struct {
	ID  string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("transaction %s was made in %v: nothing undone", e.ID, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// undoSummary undoes, newest first, every step of a journaled transaction
// that is not undone yet, appending the results to its journal.
func (s *Store) undoSummary(sum *Summary, onUndo func(UndoResult)) (*Report, error) {
	tg, err := reach(sum)
	if err != nil {
		return nil, err
	}
	rebooted := tg == nil
	if tg != nil {
		defer tg.Close()
	}
	j, err := s.appendJournal(sum.ID)
	if err != nil {
		return nil, err
	}
	defer j.close()
	if err := j.append(Record{T: "state", State: StateRollingBack}); err != nil {
		return nil, err
	}
	rep := &Report{}
	var todo []*Step
	for i := len(sum.Steps) - 1; i >= 0; i-- {
		if st := sum.Steps[i]; !st.Undone {
			todo = append(todo, st)
		}
	}
	goneWithBoot := func(st *Step) (UndoResult, bool) {
		if k, _ := lookupKind(st.Kind); rebooted && !k.OutlivesBoot {
			st.Undone = true
			return UndoResult{Seq: st.Seq, Desc: st.Desc, Gone: "gone with the reboot"}, true
		}
		return UndoResult{}, false
	}
	undo := func(run []*Step) []UndoResult { return undoRun(tg, run, goneWithBoot) }
	undoInOrder(todo, undo, func(st *Step, res UndoResult) {
		rec := Record{T: "undo", Seq: st.Seq, Gone: res.Gone}
		if res.Err != nil {
			rec.Err = res.Err.Error()
		}
		j.append(rec)
		rep.Results = append(rep.Results, res)
		if onUndo != nil {
			onUndo(res)
		}
	})
	state := StateRolledBack
	if rep.Failed() > 0 {
		state = StateIncomplete
	}
	return rep, j.append(Record{T: "end", State: state, Time: time.Now().UTC()})
}
