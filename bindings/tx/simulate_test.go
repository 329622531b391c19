package tx_test

import (
	"testing"

	"rewire/bindings/link"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

// A change the session simulates is journaled and listed but neither
// applied nor, on rollback, undone; the others apply as usual. (This is
// how a plan leaves the libvirt daemon alone.)
func TestSimulatedChangesAreListedNotApplied(t *testing.T) {
	tg := nstest.New(t)
	st, _ := tx.OpenStore(t.TempDir())
	s := &tx.Session{Store: st, Target: tg, Simulate: func(c tx.Change) bool { return c.Obj == "link:lo" }}
	mtu := 1400
	if err := link.Set(s, "lo", link.Settings{MTU: &mtu}); err != nil {
		t.Fatal(err)
	}
	l, err := tg.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if l.Attrs().MTU == 1400 {
		t.Fatal("a simulated change was applied")
	}
	steps := s.Current().Steps()
	if len(steps) != 1 || !steps[0].Simulated || !steps[0].Done {
		t.Fatalf("steps: %+v", steps)
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatalf("rollback of a simulated change: %v", err)
	}
	if !steps[0].Undone {
		t.Fatal("the simulated change is not marked undone")
	}
}
