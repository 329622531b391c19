package nat

import (
	"fmt"
	"reflect"
	"testing"
)

// The ruleset kept between rule-adding calls is exactly what
// iptables-save reads after each of them; it is reused while nobody else
// touches the rules, and read again when somebody does.
func TestKeptRulesetMatchesTheKernel(t *testing.T) {
	s := newSession(t)
	if _, err := genID(s.Target); err != nil {
		t.Skipf("no nftables generation here: %v", err)
	}
	kept := func() *ruleset {
		key, _ := keyOf(s.Target, IPv4)
		cacheMu.Lock()
		defer cacheMu.Unlock()
		return cache[key].rs
	}
	same := func(when string) {
		t.Helper()
		fresh, err := load(s.Target, IPv4)
		mustNot(t, err)
		k := kept()
		if k == nil {
			t.Fatalf("%s: nothing kept", when)
		}
		for name, tb := range fresh.Tables {
			kt := k.Tables[name]
			if kt == nil || !reflect.DeepEqual(kt.Rules, tb.Rules) || !reflect.DeepEqual(kt.Policies, tb.Policies) {
				t.Fatalf("%s: kept table %s differs from iptables-save:\nkept:  %+v\nkernel: %+v", when, name, kt, tb)
			}
		}
	}
	hits := cacheHits
	for i := 0; i < 10; i++ {
		_, err := AddPortForward(s, PortForward{Proto: "tcp", Port: fmt.Sprint(3000 + i), To: fmt.Sprintf("192.168.100.%d:22", 10+i)})
		mustNot(t, err)
		if i > 0 { // the first call made the tables: read again
			same(fmt.Sprintf("after forward %d", i+1))
		}
	}
	if got := cacheHits - hits; got < 8 {
		t.Errorf("kept ruleset reused %d times in 10 calls, want at least 8", got)
	}
	// Someone else adds a rule our next call would add too: the kept copy
	// is stale, so it is read again and nothing is added twice.
	if _, err := s.Target.Run(nil, "iptables", "-t", "nat", "-A", "REWIRE-PREROUTING", "-p", "tcp", "-m", "tcp", "--dport", "4000",
		"-m", "comment", "--comment", "rewire:"+s.Current().ID, "-j", "DNAT", "--to-destination", "192.168.100.50:22"); err != nil {
		t.Fatal(err)
	}
	hits = cacheHits
	res, err := AddPortForward(s, PortForward{Proto: "tcp", Port: "4000", To: "192.168.100.50:22"})
	mustNot(t, err)
	if cacheHits != hits {
		t.Errorf("a ruleset changed behind rewire's back was reused")
	}
	if res.Added != 1 { // the DNAT was there; only the FORWARD accept is new
		t.Errorf("added %d rules, want 1", res.Added)
	}
	same("after a change by someone else")
	if rep := s.Rollback(); rep.Err() != nil {
		t.Fatal(rep.Err())
	}
}

func mustNot(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
