package nat

import (
	"fmt"
	"strings"
	"testing"

	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

func thousandRules() []Rule {
	rules := make([]Rule, 1000)
	for i := range rules {
		rules[i] = Rule{Family: IPv4, Table: "nat", Chain: "REWIRE-PREROUTING",
			Spec: fmt.Sprintf(`-p tcp -m tcp --dport %d %s -j DNAT --to-destination 192.168.100.10:22`, 10000+i, comment("bench"))}
	}
	return rules
}

// BenchmarkRules1000 compares 1000 rules through the binding (one
// iptables-restore batch) with one `iptables -A` exec per rule.
func BenchmarkRules1000(b *testing.B) {
	tg := nstest.New(b)
	b.Run("batch", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			st, err := tx.OpenStore(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			s := &tx.Session{Store: st, Target: tg}
			if n, _, err := addRules(s, IPv4, "bench", thousandRules()); err != nil || n != 1000 {
				b.Fatalf("%d rules, %v", n, err)
			}
			b.StopTimer()
			if rep := s.Rollback(); rep.Err() != nil {
				b.Fatal(rep.Err())
			}
			b.StartTimer()
		}
	})
	b.Run("exec-per-rule", func(b *testing.B) {
		// The chain stays between rounds of the benchmark.
		if _, err := tg.Run(nil, "iptables", "-t", "nat", "-N", "REWIRE-PREROUTING"); err != nil && !strings.Contains(err.Error(), "exists") {
			b.Fatal(err)
		}
		for i := 0; i < b.N; i++ {
			for _, r := range thousandRules() {
				args := append([]string{"-w", "-t", "nat", "-A", r.Chain}, strings.Fields(strings.ReplaceAll(r.Spec, `"`, ""))...)
				if _, err := tg.Run(nil, "iptables", args...); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if _, err := tg.Run(nil, "iptables", "-t", "nat", "-F", "REWIRE-PREROUTING"); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	})
}
