package addr

import (
	"strings"
	"testing"

	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

func ipAddr(t *testing.T, tg *target.Target) string {
	t.Helper()
	out, err := tg.Run(nil, "ip", "-o", "addr", "show", "kb0")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// Each address is its own object, for add, del and flush alike: an
// address added and then flushed in one transaction rolls back, judged by
// its removal; taken away by hand since, an address the transaction left
// refuses the rollback.
func TestAddThenFlushRollsBack(t *testing.T) {
	for _, tamper := range []bool{false, true} {
		st, err := tx.OpenStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		s := &tx.Session{Store: st, Target: nstest.New(t), Script: "test"}
		for _, args := range [][]string{{"link", "add", "kb0", "type", "bridge"}, {"addr", "add", "10.7.0.1/24", "brd", "+", "dev", "kb0"}, {"link", "set", "kb0", "up"}} {
			if _, err := s.Target.Run(nil, "ip", args...); err != nil {
				t.Fatal(err)
			}
		}
		before := ipAddr(t, s.Target)
		if err := Add(s, "kb0", "10.7.1.1/24"); err != nil {
			t.Fatal(err)
		}
		if err := Flush(s, "kb0"); err != nil {
			t.Fatal(err)
		}
		if now := ipAddr(t, s.Target); strings.Contains(now, "inet 10.") {
			t.Fatalf("flush left addresses: %s", now)
		}
		if err := Add(s, "kb0", "10.7.2.1/24"); err != nil {
			t.Fatal(err)
		}
		id := s.Current().ID
		if _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		if tamper {
			if _, err := s.Target.Run(nil, "ip", "addr", "del", "10.7.2.1/24", "dev", "kb0"); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := st.RollbackCommitted(id, false, nil)
		if tamper {
			if err == nil || !strings.Contains(err.Error(), "refusing to roll back") || !strings.Contains(err.Error(), "10.7.2.1/24 is no longer on kb0") ||
				strings.Contains(err.Error(), "10.7.1.1") {
				t.Fatalf("want a refusal naming 10.7.2.1/24 only, got %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("rollback: %v", err)
		}
		if err := rep.Err(); err != nil {
			t.Fatalf("rollback: %v", err)
		}
		if after := ipAddr(t, s.Target); after != before {
			t.Fatalf("addresses after rollback:\n%s\nwant\n%s", after, before)
		}
	}
}
