package bridge_test

import (
	"strings"
	"testing"

	"rewire/bindings/link"
	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/lua/engine"
)

// withBridge gives tg bridge br0 (STP off, its own timers, priority, MAC
// and MTU) with ports p1 (with carrier) and p2 (without), an IPv4 and an
// IPv6 address, and routes over it in the main table and in table 100;
// it returns once br0 has carrier, so states compared are settled.
func withBridge(t *testing.T, tg *target.Target) {
	t.Helper()
	sh(t, tg,
		"ip link add br0 address 52:54:00:00:00:b0 mtu 1400 type bridge stp_state 0 forward_delay 450 hello_time 300 max_age 1500 ageing_time 12000 priority 4096",
		"ip link add p1 mtu 1400 type veth peer name p1-peer",
		"ip link add p2 mtu 1400 type veth peer name p2-peer",
		"ip link set p1 master br0 up",
		"ip link set p2 master br0 up",
		"ip link set p1-peer up",
		"ip addr add 192.168.50.1/24 dev br0",
		"ip addr add fd00:50::1/64 dev br0",
		"ip link set br0 up",
		"ip route add 10.50.0.0/16 via 192.168.50.254 dev br0",
		"ip route add default via 192.168.50.254 dev br0 table 100",
	)
	nstest.WaitCarrier(t, tg, "br0", "p1")
}

func master(t *testing.T, tg *target.Target, port string) string {
	t.Helper()
	in, err := link.Get(tg, port)
	if err != nil {
		t.Fatal(err)
	}
	return in.Master
}

// bridge.delete takes the bridge, its addresses and routes; its ports stay,
// released. Rollback brings all of it back exactly.
func TestDeleteBridgeWithPortsUndoRestoresIt(t *testing.T) {
	s := newSession(t)
	withBridge(t, s.Target)
	before := state(t, s.Target)
	if err := lua(s, `bridge.delete("br0")`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Target.LinkByName("br0"); err == nil {
		t.Fatal("br0 is still there after bridge.delete")
	}
	for _, p := range []string{"p1", "p2"} {
		if m := master(t, s.Target, p); m != "" {
			t.Errorf("%s still has master %q", p, m)
		}
	}
	if out, _ := s.Target.Run(nil, "ip", "route", "show", "table", "all"); strings.Contains(string(out), "192.168.50.") {
		t.Errorf("routes over br0 outlived it:\n%s", out)
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	nstest.WaitCarrier(t, s.Target, "br0", "p1")
	if after := state(t, s.Target); after != before {
		t.Errorf("rollback did not restore the bridge exactly:\nbefore %s\nafter  %s", before, after)
	}
}

// A bridge without carrier (STP on, its one port's peer down) has routes
// the kernel flags linkdown; its undo must still put them back.
func TestDeleteBridgeWithoutCarrierUndoRestoresRoutes(t *testing.T) {
	s := newSession(t)
	sh(t, s.Target,
		"ip link add br1 type bridge stp_state 1 forward_delay 800 hello_time 300 max_age 1200",
		"ip link add p3 type veth peer name p3-peer",
		"ip link set p3 master br1 up",
		"ip addr add 192.168.60.1/24 dev br1",
		"ip link set br1 up",
		"ip route add 10.60.0.0/16 via 192.168.60.254 dev br1",
		"ip route add default via 192.168.60.254 dev br1 table 100",
	)
	before := state(t, s.Target) // no carrier: nothing for the kernel to finish
	if !strings.Contains(before, "linkdown") {
		t.Fatalf("br1's routes are not linkdown: the case is not reproduced\n%s", before)
	}
	if err := lua(s, `bridge.delete("br1")`); err != nil {
		t.Fatal(err)
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if after := state(t, s.Target); after != before {
		t.Errorf("rollback did not restore br1 exactly:\nbefore %s\nafter  %s", before, after)
	}
}

// Deleting what is no bridge is refused in one line naming it, and the
// host stays as it was.
func TestDeleteBridgeBadInput(t *testing.T) {
	s := newSession(t)
	withBridge(t, s.Target)
	before := state(t, s.Target)
	for _, c := range []struct{ src, kind, object string }{
		{`bridge.delete("br9")`, engine.KindNotFound, "br9"},
		{`bridge.delete("p1")`, engine.KindInvalid, "p1"},
		{`bridge.delete("")`, engine.KindNotFound, ""},
	} {
		if c.object == "" {
			// An empty name is no interface; the error still says which call.
			err := lua(s, c.src)
			if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "bridge.delete") {
				t.Errorf("%s: %v, want one line naming bridge.delete", c.src, err)
			}
			continue
		}
		oneLine(t, lua(s, c.src), c.kind, c.object)
	}
	if after := state(t, s.Target); after != before {
		t.Errorf("bad input changed the host:\nbefore %s\nafter  %s", before, after)
	}
	if n := len(s.Rollback().Results); n != 0 {
		t.Errorf("bad input journaled %d changes", n)
	}
}
