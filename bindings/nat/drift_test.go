package nat

import (
	"strings"
	"testing"

	"rewire/bindings/tx"
)

// masqueradeM1 is the MASQUERADE rule masquerade("192.168.150.0/24", {tag="m1"}) adds.
const masqueradeM1 = `-A REWIRE-POSTROUTING -s 192.168.150.0/24 ! -d 192.168.150.0/24 -m comment --comment "rewire:m1" -j MASQUERADE`

func ipt(t *testing.T, s *tx.Session, args ...string) {
	t.Helper()
	if _, err := s.Target.Run(nil, "iptables", append([]string{"-w"}, args...)...); err != nil {
		t.Fatal(err)
	}
}

// Drift of a committed nat transaction is judged per tag against what its
// last change of that tag left: adding then removing the same tag rolls
// back exactly, and a change somebody made to the tag's rules since
// refuses the rollback.
func TestCommittedNatRollbackJudgesEachTagByItsLastChange(t *testing.T) {
	cases := []struct {
		name   string
		script func(t *testing.T, s *tx.Session)
		tamper func(t *testing.T, s *tx.Session) // after the commit, as somebody else
		refuse string                            // "" = the rollback must succeed
	}{
		{name: "masquerade then remove", script: masqueradeThenRemove},
		{name: "masquerade then remove, the rule put back by hand", script: masqueradeThenRemove,
			tamper: func(t *testing.T, s *tx.Session) {
				ipt(t, s, "-t", "nat", "-A", "REWIRE-POSTROUTING", "-s", "192.168.150.0/24", "!", "-d", "192.168.150.0/24",
					"-m", "comment", "--comment", "rewire:m1", "-j", "MASQUERADE")
			},
			refuse: "removed rule is back: nat " + masqueradeM1},
		{name: "masquerade then remove, another tag's rule added since", script: masqueradeThenRemove,
			tamper: func(t *testing.T, s *tx.Session) {
				ipt(t, s, "-t", "nat", "-A", "REWIRE-POSTROUTING", "-s", "10.9.0.0/16", "-m", "comment", "--comment", "rewire:other", "-j", "MASQUERADE")
			}},
		{name: "two changes of one tag, the first one's rule deleted by hand", script: masqueradeAndForwardM1,
			tamper: func(t *testing.T, s *tx.Session) {
				ipt(t, s, "-t", "nat", "-D", "REWIRE-POSTROUTING", "-s", "192.168.150.0/24", "!", "-d", "192.168.150.0/24",
					"-m", "comment", "--comment", "rewire:m1", "-j", "MASQUERADE")
			},
			refuse: "10 ipv4 rules are tagged rewire:m1, the transaction left 11"},
		{name: "two changes of one tag", script: masqueradeAndForwardM1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSession(t)
			addLink(t, s.Target, "virbr1")
			before := saved(t, s.Target)
			c.script(t, s)
			id := s.Current().ID
			if _, err := s.Commit(); err != nil {
				t.Fatal(err)
			}
			if c.tamper != nil {
				c.tamper(t, s)
			}
			tampered := saved(t, s.Target)
			rep, err := s.Store.RollbackCommitted(id, false, nil)
			if c.refuse != "" {
				if err == nil || !strings.Contains(err.Error(), "refusing to roll back") || !strings.Contains(err.Error(), c.refuse) {
					t.Fatalf("want a refusal naming %q, got %v", c.refuse, err)
				}
				if now := saved(t, s.Target); now != tampered {
					t.Fatalf("the refused rollback changed the rules:\nbefore:\n%s\nafter:\n%s", tampered, now)
				}
				return
			}
			if err != nil {
				t.Fatalf("rollback: %v", err)
			}
			if err := rep.Err(); err != nil {
				t.Fatalf("rollback: %v", err)
			}
			after := saved(t, s.Target)
			switch {
			case c.tamper == nil && after != before:
				t.Fatalf("rules after rollback differ:\nbefore:\n%s\nafter:\n%s", before, after)
			case c.tamper != nil && (strings.Contains(after, "rewire:m1") || !strings.Contains(after, `"rewire:other"`)):
				t.Fatalf("the rollback must take m1's rules and leave somebody else's:\n%s", after)
			}
		})
	}
}

func masqueradeThenRemove(t *testing.T, s *tx.Session) {
	if _, err := Masquerade(s, "192.168.150.0/24", "", "m1"); err != nil {
		t.Fatal(err)
	}
	if n, err := Remove(s, "m1"); err != nil || n != 3 {
		t.Fatalf("remove: %d %v", n, err)
	}
}

func masqueradeAndForwardM1(t *testing.T, s *tx.Session) {
	if _, err := Masquerade(s, "192.168.150.0/24", "", "m1"); err != nil {
		t.Fatal(err)
	}
	if _, err := Forward(s, "virbr1", "192.168.150.0/24", "m1"); err != nil {
		t.Fatal(err)
	}
}
