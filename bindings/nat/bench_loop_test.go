package nat

import (
	"fmt"
	"testing"

	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

// BenchmarkPortForwardLoop is a script's loop of 500 nat.forward_port
// calls (1000 rules), one call at a time, journal and commit included:
// queued (as the Lua module does) and, for comparison, one change each.
func BenchmarkPortForwardLoop(b *testing.B) {
	b.Run("queued", func(b *testing.B) { portForwardLoop(b, QueuePortForward) })
	b.Run("one-change-each", func(b *testing.B) { portForwardLoop(b, AddPortForward) })
}

func portForwardLoop(b *testing.B, add func(*tx.Session, PortForward) (Result, error)) {
	tg := nstest.New(b)
	for i := 0; i < b.N; i++ {
		st, err := tx.OpenStore(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		s := &tx.Session{Store: st, Target: tg}
		for j := 0; j < 500; j++ {
			if _, err := add(s, PortForward{Proto: "tcp", Port: fmt.Sprint(10000 + j), To: fmt.Sprintf("192.168.%d.%d:22", 100+j/250, 1+j%250)}); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := s.Commit(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if _, err := tg.Run(nil, "iptables", "-t", "nat", "-F", "REWIRE-PREROUTING"); err != nil {
			b.Fatal(err)
		}
		if _, err := tg.Run(nil, "iptables", "-F", "REWIRE-FORWARD"); err != nil {
			b.Fatal(err)
		}
		forget(tg, IPv4)
		b.StartTimer()
	}
}
