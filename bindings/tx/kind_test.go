package tx_test

import (
	"errors"
	"testing"

	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

type testPrior struct {
	Was string `json:"was"`
}

var (
	undone    []string
	testKind  = tx.NewKind("test.kind", func(_ *target.Target, p testPrior) error { undone = append(undone, p.Was); return nil }, tx.KindOptions[testPrior]{Diff: func(p testPrior) (string, string) { return p.Was, "now" }})
	otherKind = tx.NewKind("test.other", func(*target.Target, testPrior) error { return nil }, tx.KindOptions[testPrior]{})
)

// A kind journals the prior state it is given, hands it back to its undo
// and its plan diff, and decodes only its own steps.
func TestKindCarriesItsPriorState(t *testing.T) {
	st, _ := tx.OpenStore(t.TempDir())
	s := &tx.Session{Store: st, Target: nstest.New(t)}
	undone = nil
	if err := testKind.Apply(s, "thing:a", "change a", testPrior{Was: "before"}, func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := otherKind.Apply(s, "thing:b", "change b", testPrior{Was: "other"}, func() error { return errors.New("refused") }); err == nil {
		t.Fatal("a failing apply succeeded")
	}
	steps := s.Current().Steps()
	if p, ok := testKind.Decode(steps[0]); !ok || p.Was != "before" {
		t.Errorf("decode own step: %+v %v", p, ok)
	}
	if _, ok := testKind.Decode(steps[1]); ok {
		t.Error("decoded another kind's step")
	}
	if b, a := tx.DiffOf(steps[0]); b != "before" || a != "now" {
		t.Errorf("diff %q %q", b, a)
	}
	if b, a := tx.DiffOf(steps[1]); b != "" || a != "" {
		t.Errorf("a kind without Diff shows %q %q", b, a)
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	if len(undone) != 1 || undone[0] != "before" {
		t.Errorf("undo got %v", undone)
	}
}

func TestKindNamedTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a second kind named test.kind was accepted")
		}
	}()
	tx.NewKind("test.kind", func(*target.Target, testPrior) error { return nil }, tx.KindOptions[testPrior]{})
}
