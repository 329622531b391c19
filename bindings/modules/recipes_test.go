package modules

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"rewire/bindings/tx"
	"rewire/lua/script"
)

const natToBridge = "../../examples/nat-to-bridge.lua"

func TestNatToBridgeMovesHostAndStaysReachable(t *testing.T) {
	h := newTestHost(t)
	before := h.snapshot(t)
	s := h.session()
	res, _ := h.run(t, s, script.Options{File: natToBridge, Args: []string{"eth0", "br0"}})
	if res.Err != nil {
		t.Fatalf("run: %v", res.Err)
	}
	if res.State != tx.StateCommitted || len(res.Steps) != 5 {
		t.Fatalf("state %s, %d steps; want committed, 5", res.State, len(res.Steps))
	}
	ip, _ := h.host.Run(nil, "ip", "-4", "-o", "addr", "show", "br0")
	if !strings.Contains(string(ip), "10.0.0.111/24") {
		t.Fatalf("br0 does not hold 10.0.0.111/24: %s", ip)
	}
	link, _ := h.host.Run(nil, "ip", "-o", "link", "show", "eth0")
	if !strings.Contains(string(link), "master br0") {
		t.Fatalf("eth0 is not a port of br0: %s", link)
	}
	brl, _ := h.host.Run(nil, "ip", "-o", "link", "show", "br0")
	if !strings.Contains(string(brl), "52:54:00:aa:bb:cc") {
		t.Fatalf("br0 does not carry eth0's MAC: %s", brl)
	}
	if !h.lanReaches("10.0.0.111") {
		t.Fatal("the LAN cannot reach 10.0.0.111 after the move")
	}

	rep, err := h.store.RollbackCommitted(res.TxID, false, nil)
	if err != nil || rep.Err() != nil {
		t.Fatalf("rollback: %v %v", err, rep.Err())
	}
	if after := h.snapshot(t); after != before {
		t.Fatalf("state after rollback differs:\nbefore %s\nafter  %s", before, after)
	}
	if !h.lanReaches("10.0.0.111") {
		t.Fatal("the LAN cannot reach 10.0.0.111 after rollback")
	}
}

// TestFailAtEveryStepRestoresExactly fails the recipe at change k, for
// every k, and requires the state after the automatic rollback to equal
// the state before, byte for byte.
func TestFailAtEveryStepRestoresExactly(t *testing.T) {
	const steps = 5
	for k := 1; k <= steps; k++ {
		t.Run(fmt.Sprintf("step%d", k), func(t *testing.T) {
			h := newTestHost(t)
			before := h.snapshot(t)
			s := h.session()
			s.Inject = func(seq int) error {
				if seq == k {
					return errors.New("injected failure")
				}
				return nil
			}
			res, _ := h.run(t, s, script.Options{File: natToBridge})
			if res.Err == nil || !strings.Contains(res.Err.Error(), "injected failure") {
				t.Fatalf("want the injected failure, got %v", res.Err)
			}
			if res.State != tx.StateRolledBack {
				t.Fatalf("state %s, want rolled-back", res.State)
			}
			if after := h.snapshot(t); after != before {
				t.Fatalf("state after rollback differs:\nbefore %s\nafter  %s", before, after)
			}
			sum, err := h.store.Load(res.TxID)
			if err != nil || sum.State != tx.StateRolledBack {
				t.Fatalf("journal says %v (%v), want rolled-back", sum, err)
			}
		})
	}
}

func TestCommittedRollbackRefusesOnDrift(t *testing.T) {
	h := newTestHost(t)
	s := h.session()
	res, _ := h.run(t, s, script.Options{File: natToBridge})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	// Someone removes the port by hand afterwards.
	if _, err := h.host.Run(nil, "ip", "link", "set", "eth0", "nomaster"); err != nil {
		t.Fatal(err)
	}
	_, err := h.store.RollbackCommitted(res.TxID, false, nil)
	if err == nil || !strings.Contains(err.Error(), "host changed since") {
		t.Fatalf("want a refusal naming the drift, got %v", err)
	}
	if sum, _ := h.store.Load(res.TxID); sum.State != tx.StateCommitted {
		t.Fatalf("a refused rollback changed the journal: %s", sum.State)
	}
}

// Taking a link down makes the kernel drop the routes through it; the
// undo must bring them back, not just the link.
func TestLinkDownRollbackRestoresRoutes(t *testing.T) {
	h := newTestHost(t)
	before := h.snapshot(t)
	res, _ := h.run(t, h.session(), script.Options{Chunk: `link.set("eth0", {up = false}); error("undo it")`})
	if res.Err == nil || res.State != tx.StateRolledBack {
		t.Fatalf("want a rolled-back run, got %v %s", res.Err, res.State)
	}
	if after := h.snapshot(t); after != before {
		t.Fatalf("state after rollback differs:\nbefore %s\nafter  %s", before, after)
	}
}
