package link

import (
	"strings"
	"testing"

	"rewire/bindings/errkind"
	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

func session(t *testing.T) *tx.Session {
	t.Helper()
	st, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &tx.Session{Store: st, Target: nstest.New(t), Script: "test"}
}

func ip(t *testing.T, tg *target.Target, args ...string) string {
	t.Helper()
	out, err := tg.Run(nil, "ip", args...)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// The undo of a rename finds its link by ifindex: a different link that
// has taken the new name since is left alone.
func TestRenameUndoTouchesOnlyItsOwnLink(t *testing.T) {
	s := session(t)
	ip(t, s.Target, "link", "add", "kb0", "type", "bridge")
	ip(t, s.Target, "link", "set", "kb0", "up")
	name := "kb1"
	if err := Set(s, "kb0", Settings{Name: &name}); err != nil {
		t.Fatal(err)
	}
	// Somebody renames it back and makes another kb1, down.
	ip(t, s.Target, "link", "set", "kb1", "down")
	ip(t, s.Target, "link", "set", "kb1", "name", "kb0")
	ip(t, s.Target, "link", "set", "kb0", "up")
	ip(t, s.Target, "link", "add", "kb1", "type", "bridge")
	other := ip(t, s.Target, "-o", "link", "show", "kb1")
	if rep := s.Rollback(); rep.Err() != nil {
		t.Fatalf("rollback: %v", rep.Err())
	}
	if now := ip(t, s.Target, "-o", "link", "show", "kb1"); now != other {
		t.Fatalf("the other kb1 was touched:\nbefore %s\nafter  %s", other, now)
	}
	if out := ip(t, s.Target, "-o", "link", "show", "kb0"); !strings.Contains(out, ",UP") {
		t.Fatalf("kb0 is not as it was: %s", out)
	}
}

// Renaming onto a name in use is refused before anything changes.
func TestRenameOntoExistingNameIsExists(t *testing.T) {
	s := session(t)
	ip(t, s.Target, "link", "add", "kb0", "type", "bridge")
	ip(t, s.Target, "link", "add", "kb1", "type", "bridge")
	before := ip(t, s.Target, "-o", "link")
	name := "kb1"
	err := Set(s, "kb0", Settings{Name: &name})
	if err == nil || errkind.Of(err) != errkind.KindExists || !strings.Contains(err.Error(), "kb1 already exists") {
		t.Fatalf("got %v (%s)", err, errkind.Of(err))
	}
	if tx := s.Current(); tx != nil && tx.Live() != 0 {
		t.Fatalf("%d changes made", tx.Live())
	}
	if after := ip(t, s.Target, "-o", "link"); after != before {
		t.Fatalf("links changed:\n%s\n%s", before, after)
	}
}
