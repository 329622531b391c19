package tx_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

// runKind undoes a group's consecutive steps at once (UndoGroup) and
// logs each run it gets; a prior with Fail fails its own step only.
type runPrior struct {
	Group string `json:"group"`
	N     int    `json:"n"`
	Fail  bool   `json:"fail,omitempty"`
}

var (
	runMu   sync.Mutex
	runLog  []string
	runKind = tx.NewKind("test.run", func(_ *target.Target, p runPrior) error {
		runMu.Lock()
		defer runMu.Unlock()
		runLog = append(runLog, fmt.Sprintf("one %s%d", p.Group, p.N))
		if p.Fail {
			return errors.New("refused by the test")
		}
		return nil
	}, tx.KindOptions[runPrior]{
		Group: func(p runPrior) string { return p.Group },
		UndoGroup: func(_ *target.Target, ps []runPrior) []error {
			runMu.Lock()
			defer runMu.Unlock()
			names, errs := failing(ps, "refused by the test")
			runLog = append(runLog, "run "+names)
			return errs
		},
	})
)

// failing names ps in order and fails, with msg, those marked Fail.
func failing(ps []runPrior, msg string) (string, []error) {
	var names []string
	errs := make([]error, len(ps))
	for i, p := range ps {
		names = append(names, fmt.Sprintf("%s%d", p.Group, p.N))
		if p.Fail {
			errs[i] = errors.New(msg)
		}
	}
	return strings.Join(names, " "), errs
}

func applyRun(t *testing.T, s *tx.Session, p runPrior) {
	t.Helper()
	if err := runKind.Apply(s, fmt.Sprintf("%s:%d", p.Group, p.N), fmt.Sprintf("step %d (%s)", p.N, p.Group), p, func() error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// A rollback hands UndoGroup each group's consecutive steps at once,
// newest first, up to a barrier or a savepoint's cut; each step still
// has its own report line and journal record, newest first, and a
// failure is its step's alone: recovering goes on from the journal.
func TestRollbackUndoesAGroupsRunAtOnce(t *testing.T) {
	runLog = nil
	st, _ := tx.OpenStore(t.TempDir())
	s := &tx.Session{Store: st, Target: nstest.New(t)}
	applyRun(t, s, runPrior{Group: "a", N: 1})
	applyRun(t, s, runPrior{Group: "a", N: 2})
	if err := barrierKind.Apply(s, "-", "step 3 (barrier)", groupedPrior{"-", 3}, func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	applyRun(t, s, runPrior{Group: "a", N: 4})
	applyRun(t, s, runPrior{Group: "b", N: 5})
	sp := s.Current().Savepoint("half")
	applyRun(t, s, runPrior{Group: "a", N: 6, Fail: true})
	applyRun(t, s, runPrior{Group: "b", N: 7})
	applyRun(t, s, runPrior{Group: "a", N: 8})

	rep := s.Current().RollbackTo(sp)
	if got := reportLines(rep); got != "8 ok; 7 ok; 6 FAILED; " {
		t.Fatalf("report after the savepoint: %s", got)
	}
	if !logHas("run a8 a6") || !logHas("one b7") {
		t.Fatalf("runs undone: %q, want a8 and a6 at once, b7 alone", runLog)
	}
	id := s.Current().ID
	s.Current().Detach()
	sum, err := st.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range sum.Steps {
		want := step.Seq == 7 || step.Seq == 8
		if step.Undone != want || (step.Seq == 6) != (step.UndoErr != "") {
			t.Fatalf("journal after the savepoint's rollback: step %d undone %v, error %q", step.Seq, step.Undone, step.UndoErr)
		}
	}

	runLog = nil
	var lines []string
	done, err := st.Recover(func(_ string, r tx.UndoResult) { lines = append(lines, r.String()) })
	if err == nil || !strings.Contains(err.Error(), "1 of 6 undo steps failed") || len(done) != 1 {
		t.Fatalf("recover, step 6 failing again: %v %v", done, err)
	}
	want := []string{"- undo 6 step 6 (a): FAILED: refused by the test", "- undo 5 step 5 (b): ok", "- undo 4 step 4 (a): ok",
		"- undo 3 step 3 (barrier): ok", "- undo 2 step 2 (a): ok", "- undo 1 step 1 (a): ok"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("recover's report:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if !logHas("run a6 a4") || !logHas("one b5") || !logHas("run a2 a1") {
		t.Fatalf("runs undone by recover: %q", runLog)
	}
}

func reportLines(rep *tx.Report) string {
	var b strings.Builder
	for _, r := range rep.Results {
		state := "ok"
		if r.Err != nil {
			state = "FAILED"
		}
		fmt.Fprintf(&b, "%d %s; ", r.Seq, state)
	}
	return b.String()
}

func logHas(entry string) bool {
	runMu.Lock()
	defer runMu.Unlock()
	for _, e := range runLog {
		if e == entry {
			return true
		}
	}
	return false
}

var (
	driftCalls []string
	driftKind  = tx.NewKind("test.drift", func(*target.Target, runPrior) error { return nil }, tx.KindOptions[runPrior]{
		Group: func(p runPrior) string { return p.Group },
		Drift: func(_ *target.Target, p runPrior) error {
			driftCalls = append(driftCalls, fmt.Sprintf("one %s%d", p.Group, p.N))
			return nil
		},
		DriftGroup: func(_ *target.Target, ps []runPrior) []error {
			names, errs := failing(ps, "changed since")
			driftCalls = append(driftCalls, "group "+names)
			return errs
		},
	})
)

// Rolling back a committed transaction judges each group's changes of a
// kind with DriftGroup in one call, and names each drifted step.
func TestDriftOfAGroupIsJudgedAtOnce(t *testing.T) {
	st, _ := tx.OpenStore(t.TempDir())
	s := &tx.Session{Store: st, Target: nstest.New(t)}
	for _, p := range []runPrior{{Group: "a", N: 1}, {Group: "b", N: 2}, {Group: "a", N: 3, Fail: true}, {Group: "a", N: 4}} {
		if err := driftKind.Apply(s, fmt.Sprintf("%s:%d", p.Group, p.N), fmt.Sprintf("step %d (%s)", p.N, p.Group), p, func() error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	id, err := s.Commit()
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.RollbackCommitted(id, false, nil)
	if err == nil || !strings.Contains(err.Error(), "step 3 (step 3 (a)): changed since") || strings.Contains(err.Error(), "step 4") {
		t.Fatalf("want step 3 alone named as drifted: %v", err)
	}
	if got := strings.Join(driftCalls, "; "); got != "group a4 a3 a1; group b2" {
		t.Fatalf("drift calls: %s", got)
	}
}
