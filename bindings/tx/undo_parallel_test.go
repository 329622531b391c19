package tx_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

type groupedPrior struct {
	Group string `json:"group"`
	N     int    `json:"n"`
}

// rendezvous lets group a's first undo wait for group b's: only undos
// run side by side get past it (bounded: a serial rollback fails it).
var (
	groupedMu  sync.Mutex
	groupedLog []string
	bArrived   = make(chan struct{})
	sideBySide bool
	groupKind  = tx.NewKind("test.grouped", func(_ *target.Target, p groupedPrior) error {
		if p.Group == "b" && p.N == 4 {
			close(bArrived)
		}
		if p.Group == "a" && p.N == 5 {
			select {
			case <-bArrived:
				sideBySide = true
			case <-time.After(5 * time.Second):
			}
		}
		groupedMu.Lock()
		groupedLog = append(groupedLog, fmt.Sprintf("%s%d", p.Group, p.N))
		groupedMu.Unlock()
		return nil
	}, tx.KindOptions[groupedPrior]{Group: func(p groupedPrior) string { return p.Group }})
	barrierKind = tx.NewKind("test.barrier", func(_ *target.Target, p groupedPrior) error {
		groupedMu.Lock()
		groupedLog = append(groupedLog, fmt.Sprintf("barrier%d", p.N))
		groupedMu.Unlock()
		return nil
	}, tx.KindOptions[groupedPrior]{})
)

// A rollback undoes consecutive changes of a grouped kind side by side
// across groups, each group newest first; a change of another kind is a
// barrier between runs; the report and journal list every undo newest
// first, as a serial rollback does.
func TestRollbackUndoesGroupsSideBySide(t *testing.T) {
	st, _ := tx.OpenStore(t.TempDir())
	s := &tx.Session{Store: st, Target: nstest.New(t)}
	apply := func(k interface {
		Apply(*tx.Session, string, string, groupedPrior, func() error) error
	}, g string, n int) {
		if err := k.Apply(s, fmt.Sprintf("%s:%d", g, n), fmt.Sprintf("step %d (%s)", n, g), groupedPrior{g, n}, func() error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	apply(groupKind, "a", 1)
	apply(barrierKind, "-", 2)
	apply(groupKind, "a", 3)
	apply(groupKind, "b", 4)
	apply(groupKind, "a", 5)
	rep := s.Rollback()
	if rep.Err() != nil {
		t.Fatal(rep.Err())
	}
	var seqs []string
	for _, r := range rep.Results {
		seqs = append(seqs, fmt.Sprint(r.Seq))
	}
	if got := strings.Join(seqs, " "); got != "5 4 3 2 1" {
		t.Fatalf("report order %s, want newest first", got)
	}
	if !sideBySide {
		t.Fatalf("group a's undo never saw group b's run beside it: undone one at a time (%v)", groupedLog)
	}
	pos := map[string]int{}
	for i, e := range groupedLog {
		pos[e] = i
	}
	if !(pos["a5"] < pos["a3"] && pos["a3"] < pos["barrier2"] && pos["b4"] < pos["barrier2"] && pos["barrier2"] < pos["a1"]) {
		t.Fatalf("undo order %v: want a5 before a3, both runs before the barrier, the barrier before a1", groupedLog)
	}
}
