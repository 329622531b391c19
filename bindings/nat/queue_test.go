package nat

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"rewire/lua/engine"
)

// A loop of single forward_port calls is one journaled change, in before
// anything else can look: nat.list right after the loop sees every rule,
// and the step is journaled with its prior state like any other.
func TestForwardPortLoopIsOneChangeNobodySeesMissing(t *testing.T) {
	s := newSession(t)
	before := saved(t, s.Target)
	var out bytes.Buffer
	e := engine.New(&out, Module(s))
	defer e.Close()
	if err := e.DoString(context.Background(), `
		for i = 1, 50 do
			nat.forward_port{ proto = "tcp", port = 3000 + i, to = "192.168.100.10:22" }
		end
		nat.forward_port{ proto = "tcp", port = 3001, to = "192.168.100.10:22" } -- again: nothing to add
		assert(#nat.list() == 51, "nat.list right after the loop: " .. #nat.list()) -- 50 DNAT, one ACCEPT for them all
		nat.forward_port{ proto = "udp", port = 53, to = "192.168.100.10" }
	`, "loop.lua"); err != nil {
		t.Fatal(err)
	}
	// The second queue (after nat.list) went in as the chunk ended.
	if n := strings.Count(saved(t, s.Target), "DNAT"); n != 51 {
		t.Fatalf("%d DNAT rules after the chunk, want 51", n)
	}
	steps := s.Current().Steps()
	if len(steps) != 2 || !strings.HasPrefix(steps[0].Desc, "50 port forwards: port forward tcp 3001 -> 192.168.100.10:22, ..., port forward tcp 3050") ||
		steps[1].Desc != "port forward udp 53 -> 192.168.100.10" {
		for _, st := range steps {
			t.Log(st.Desc)
		}
		t.Fatalf("want 2 changes (the loop, the last call), got %d", len(steps))
	}
	if rep := s.Rollback(); rep.Err() != nil {
		t.Fatal(rep.Err())
	}
	if got := saved(t, s.Target); got != before {
		t.Fatalf("rollback left:\n%s\nwant:\n%s", got, before)
	}
}

// A script that fails after queueing rolls back with nothing applied:
// the queued rules never reach the host and no change is journaled.
func TestQueuedForwardsDroppedOnRollback(t *testing.T) {
	s := newSession(t)
	before := saved(t, s.Target)
	e := engine.New(&bytes.Buffer{}, Module(s))
	defer e.Close()
	err := e.DoString(context.Background(), `
		nat.forward_port{ proto = "tcp", port = 2222, to = "192.168.100.10:22" }
		error("the recipe gives up")
	`, "fail.lua")
	if err == nil {
		t.Fatal("the chunk's error was lost")
	}
	if n := len(s.Current().Steps()); n != 0 {
		t.Fatalf("%d changes journaled for a queue that never went in", n)
	}
	if rep := s.Rollback(); rep.Err() != nil {
		t.Fatal(rep.Err())
	}
	if got := saved(t, s.Target); got != before {
		t.Fatalf("the host changed:\n%s", got)
	}
}

// When the queued change fails as it goes in, the next call raises it
// (named as the put-off forwards), the failed batch is undone at once,
// and the host is as it was.
func TestQueuedForwardsFailingRaiseAtTheNextCall(t *testing.T) {
	s := newSession(t)
	before := saved(t, s.Target)
	s.Inject = func(seq int) error { return errors.New("kernel says no") }
	e := engine.New(&bytes.Buffer{}, Module(s))
	defer e.Close()
	err := e.DoString(context.Background(), `
		nat.forward_port{ proto = "tcp", port = 2222, to = "192.168.100.10:22" }
		nat.forward_port{ proto = "tcp", port = 2223, to = "192.168.100.10:22" }
		nat.list()
	`, "inject.lua")
	want := "inject.lua:4: nat.list: nat.forward_port (2 port forwards: port forward tcp 2222 -> 192.168.100.10:22, ..., port forward tcp 2223 -> 192.168.100.10:22, put in at the next step): kernel says no"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n got %v\nwant %s", err, want)
	}
	if got := saved(t, s.Target); got != before {
		t.Fatalf("a failed queue left rules:\n%s", got)
	}
}

// A commit puts the queue in first: a Go caller that never returns to
// Lua (or a script whose last call queued) keeps its rules.
func TestCommitPutsTheQueueIn(t *testing.T) {
	s := newSession(t)
	if _, err := QueuePortForward(s, PortForward{Proto: "tcp", Port: "2222", To: "192.168.100.10:22"}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(saved(t, s.Target), "DNAT") {
		t.Fatal("queued rule already in before the commit")
	}
	if _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(saved(t, s.Target), "--dport 2222") {
		t.Fatalf("committed without the queued rule:\n%s", saved(t, s.Target))
	}
}
