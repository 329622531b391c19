package sysctl

import (
	"strings"
	"testing"

	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

// net.ipv4.ip_forward and net/ipv4/ip_forward are one setting, so one
// object: set both ways in one transaction, the committed change rolls
// back, judged by the last; changed by hand since, it refuses.
func TestBothSpellingsAreOneObject(t *testing.T) {
	for _, tamper := range []bool{false, true} {
		st, err := tx.OpenStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		s := &tx.Session{Store: st, Target: nstest.New(t), Script: "test"}
		before, err := Get(s.Target, "net.ipv4.ip_forward")
		if err != nil || before != "0" {
			t.Fatalf("a fresh namespace forwards? %q %v", before, err)
		}
		if err := Set(s, "net.ipv4.ip_forward", "1"); err != nil {
			t.Fatal(err)
		}
		if err := Set(s, "net/ipv4/ip_forward", "0"); err != nil {
			t.Fatal(err)
		}
		if err := Set(s, "net.ipv4.conf.all.forwarding", "1"); err != nil {
			t.Fatal(err)
		}
		id := s.Current().ID
		if _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		if tamper {
			if err := write(s.Target, "net/ipv4/conf/all/forwarding", "0"); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := st.RollbackCommitted(id, false, nil)
		if tamper {
			if err == nil || !strings.Contains(err.Error(), `net.ipv4.conf.all.forwarding is "0", the transaction set "1"`) {
				t.Fatalf("want a refusal naming the forwarding setting, got %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("rollback: %v", err)
		}
		if err := rep.Err(); err != nil {
			t.Fatalf("rollback: %v", err)
		}
		if v, _ := Get(s.Target, "net.ipv4.ip_forward"); v != before {
			t.Fatalf("ip_forward is %s after rollback, want %s", v, before)
		}
	}
}
