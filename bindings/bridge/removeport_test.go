package bridge_test

import (
	"reflect"
	"testing"

	"rewire/bindings/bridge"
	"rewire/bindings/target/nstest"
	"rewire/lua/engine"
)

// bridge.remove_port releases the port and leaves the rest; rollback
// enslaves it again, as it was.
func TestRemovePortUndoReenslaves(t *testing.T) {
	s := newSession(t)
	withBridge(t, s.Target)
	before := state(t, s.Target)
	if err := lua(s, `bridge.remove_port("br0", "p1")`); err != nil {
		t.Fatal(err)
	}
	if m := master(t, s.Target, "p1"); m != "" {
		t.Errorf("p1 still has master %q", m)
	}
	ports, err := bridge.Ports(s.Target, "br0")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ports, []string{"p2"}) {
		t.Errorf("ports of br0 after removing p1: %v, want [p2]", ports)
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if m := master(t, s.Target, "p1"); m != "br0" {
		t.Errorf("p1's master after rollback: %q, want br0", m)
	}
	nstest.WaitCarrier(t, s.Target, "br0", "p1")
	if after := state(t, s.Target); after != before {
		t.Errorf("rollback did not restore the port exactly:\nbefore %s\nafter  %s", before, after)
	}
}

// A port that does not exist or is not the bridge's is refused in one
// line naming bridge and port; the host stays as it was.
func TestRemovePortBadInput(t *testing.T) {
	s := newSession(t)
	withBridge(t, s.Target)
	before := state(t, s.Target)
	for _, c := range []struct{ src, kind, object string }{
		{`bridge.remove_port("br0", "nope")`, engine.KindNotFound, "br0 nope"},
		{`bridge.remove_port("br0", "p1-peer")`, engine.KindNotFound, "br0 p1-peer"},
		{`bridge.remove_port("br9", "p1")`, engine.KindNotFound, "br9 p1"},
	} {
		oneLine(t, lua(s, c.src), c.kind, c.object)
	}
	if after := state(t, s.Target); after != before {
		t.Errorf("bad input changed the host:\nbefore %s\nafter  %s", before, after)
	}
	if n := len(s.Rollback().Results); n != 0 {
		t.Errorf("bad input journaled %d changes", n)
	}
}
