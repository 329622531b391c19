package addr

import (
	"strings"
	"testing"

	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

// Move gives the new holder the old one's resolved neighbours, so its
// first packet to the gateway needs no ARP round trip; the rollback takes
// them away again.
func TestMoveTakesNeighboursAlong(t *testing.T) {
	st, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := &tx.Session{Store: st, Target: nstest.New(t), Script: "test"}
	run := func(args ...string) string {
		t.Helper()
		out, err := s.Target.Run(nil, "ip", args...)
		if err != nil {
			t.Fatalf("ip %v: %v", args, err)
		}
		return string(out)
	}
	run("link", "add", "kb0", "type", "bridge")
	run("link", "add", "kb1", "type", "bridge")
	run("addr", "add", "10.7.0.2/24", "dev", "kb0")
	run("link", "set", "kb0", "up")
	run("neigh", "add", "10.7.0.1", "lladdr", "52:54:00:00:07:01", "dev", "kb0", "nud", "reachable")
	run("neigh", "add", "10.7.0.3", "dev", "kb0", "nud", "failed") // nothing to take
	if err := Move(s, "kb0", "kb1", MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	got := run("neigh", "show", "dev", "kb1")
	if !strings.Contains(got, "10.7.0.1 lladdr 52:54:00:00:07:01") || strings.Contains(got, "10.7.0.3") {
		t.Fatalf("kb1's neighbours after the move: %q", got)
	}
	id := s.Current().ID
	if _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	rep, err := st.RollbackCommitted(id, false, nil)
	if err == nil {
		err = rep.Err()
	}
	if err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if got := run("neigh", "show", "dev", "kb1"); strings.TrimSpace(got) != "" {
		t.Fatalf("kb1's neighbours after the rollback: %q", got)
	}
}
