package kerneltest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"rewire/bindings/bond"
	"rewire/bindings/link"
	"rewire/bindings/tx"
	"rewire/lua/script"
)

const recipe = "../../../examples/bond-then-bridge.lua"

var recipeArgs = []string{"ens32,ens36", "mode=1 miimon=100", "br0"}

// TestBondThenBridge is S3 end to end: the recipe builds ens32+ens36 ->
// bond0 -> br0 with the host IP; the LAN reaches it; the active slave's
// link goes down, the other takes over and the LAN still reaches it; a
// rollback of the committed transaction restores the exact prior state.
func TestBondThenBridge(t *testing.T) {
	NeedVM(t)
	h := newS3Host(t)
	before := h.snapshot(t)
	res, out := h.run(t, h.session(), script.Options{File: recipe, Args: recipeArgs})
	if res.Err != nil {
		t.Fatalf("run: %v\n%s", res.Err, out)
	}
	t.Logf("recipe output:\n%s", out)
	if !strings.Contains(out, "fault-tolerance (active-backup)") || !strings.Contains(out, "bond0") {
		t.Fatalf("the recipe did not print the bridge and bond state:\n%s", out)
	}
	br, err := link.Get(h.host, "br0")
	must(t, err)
	if br.MAC != ens32MAC || strings.Join(br.Slaves, ",") != "bond0" {
		t.Fatalf("br0 = %+v, want MAC %s and port bond0", br, ens32MAC)
	}
	st, err := bond.Get(h.host, "bond0")
	must(t, err)
	if st.Mode != "active-backup" || st.Miimon != 100 || len(st.Slaves) != 2 || st.Healthy() != nil {
		t.Fatalf("bond0 status %+v (%v)", st, st.Healthy())
	}
	if !h.lanReaches(hostIP) {
		t.Fatal("the LAN cannot reach the host IP on the bridge")
	}

	// Pull the active slave's cable: its LAN-side port goes down.
	active := st.ActiveSlave
	peer := map[string]string{"ens32": "lan-a", "ens36": "lan-b"}[active]
	if peer == "" {
		t.Fatalf("no active slave: %+v", st)
	}
	lh, _ := h.lan.Handle()
	p, err := lh.LinkByName(peer)
	must(t, err)
	must(t, lh.LinkSetDown(p))
	var now bond.Status
	for i := 0; i < 100; i++ { // the MII monitor polls every 100 ms
		now, err = bond.Get(h.host, "bond0")
		must(t, err)
		if now.ActiveSlave != "" && now.ActiveSlave != active {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if now.ActiveSlave == active || now.ActiveSlave == "" {
		t.Fatalf("no failover from %s: %+v", active, now)
	}
	if f := now.SlavesByName[active]; f.MIIStatus != "down" || f.LinkFailureCount < 1 {
		t.Fatalf("the failed slave shows %+v", f)
	}
	if !h.lanReaches(hostIP) {
		t.Fatalf("the LAN lost the host after failover to %s", now.ActiveSlave)
	}
	must(t, lh.LinkSetUp(p))

	rollback(t, h, res.TxID)
	if after := h.snapshot(t); after != before {
		t.Fatalf("state after rollback differs:\nbefore %s\nafter  %s", before, after)
	}
	if !h.lanReaches(hostIP) {
		t.Fatal("the LAN cannot reach the host after rollback")
	}
}

// TestBondThenBridgeFailAtEveryStep fails the recipe at change k, for
// every k, and requires the state after the automatic rollback to equal
// the state before — slaves' MAC, MTU, addresses and routes included.
func TestBondThenBridgeFailAtEveryStep(t *testing.T) {
	NeedVM(t)
	h := newS3Host(t)
	res, out := h.run(t, h.session(), script.Options{File: recipe, Args: recipeArgs})
	if res.Err != nil {
		t.Fatalf("run: %v\n%s", res.Err, out)
	}
	steps := len(res.Steps)
	for _, st := range res.Steps {
		t.Logf("step %d: %s", st.Seq, st.Desc)
	}
	if steps < 8 {
		t.Fatalf("only %d steps", steps)
	}
	for k := 1; k <= steps; k++ {
		t.Run(fmt.Sprintf("step%d", k), func(t *testing.T) {
			h := newS3Host(t)
			before := h.snapshot(t)
			s := h.session()
			s.Inject = func(seq int) error {
				if seq == k {
					return errors.New("injected failure")
				}
				return nil
			}
			res, _ := h.run(t, s, script.Options{File: recipe, Args: recipeArgs})
			if res.Err == nil || !strings.Contains(res.Err.Error(), "injected failure") {
				t.Fatalf("want the injected failure, got %v", res.Err)
			}
			if res.State != tx.StateRolledBack {
				t.Fatalf("state %s, want rolled-back (%v)", res.State, res.Rollback.Err())
			}
			if after := h.snapshot(t); after != before {
				t.Fatalf("state after rollback differs:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestVLANOnBondUnderBridge is the production shape: bond0 of two NICs,
// VLAN 100 on it, the VLAN a port of br100; rollback undoes all of it.
func TestVLANOnBondUnderBridge(t *testing.T) {
	NeedVM(t)
	h := newS3Host(t)
	before := h.snapshot(t)
	res, out := h.run(t, h.session(), script.Options{Chunk: `
		bond.create("bond1", {mode = "802.3ad", miimon = 100, lacp_rate = "fast", xmit_hash_policy = "layer3+4", slaves = {"ens36"}})
		local v = vlan.create("bond1", 100)
		bridge.create("br100", {stp = false})
		bridge.add_port("br100", v)
		print(v, vlan.get(v).parent, vlan.get(v).id, bridge.get("br100").interfaces[1])
		local b = bond.list()[1]
		print(b.bond, b.mode, b.slaves[1], bond.status("bond1").lacp_rate)`})
	if res.Err != nil {
		t.Fatalf("run: %v", res.Err)
	}
	if strings.TrimSpace(out) != "bond1.100\tbond1\t100\tbond1.100\nbond1\t802.3ad\tens36\tfast" {
		t.Fatalf("got %q", out)
	}
	rollback(t, h, res.TxID)
	if after := h.snapshot(t); after != before {
		t.Fatalf("state after rollback differs:\nbefore %s\nafter  %s", before, after)
	}
}

// Every bad input gives one clear line naming the object, and the host is
// left exactly as it was.
func TestBadInput(t *testing.T) {
	NeedVM(t)
	cases := []struct{ name, chunk, want string }{
		{"unknown mode", `bond.create("bond0", {mode = "active-passive", slaves = {"ens36"}})`, `bond.create bond0: unknown bond mode "active-passive"`},
		{"mode number out of range", `bond.create("bond0", {mode = 9})`, `unknown bond mode "9"`},
		{"missing slave", `bond.create("bond0", {mode = 1, slaves = {"ens36", "ens99"}})`, "bond.create bond0: slave ens99: no such interface"},
		{"slave in another bond", `bond.create("bond0", {slaves = {"ens36"}}); bond.create("bond1", {slaves = {"ens36"}})`, "bond.create bond1: slave ens36 already belongs to bond0"},
		{"slave carries the default route", `bond.create("bond0", {mode = 1, slaves = {"ens32", "ens36"}})`, "slave ens32 carries 10.0.0.111/24 and the default route via 10.0.0.1"},
		{"unknown option", `bond.create("bond0", {mode = 1, mimon = 100})`, "bond.create bond0: unknown option mimon"},
		{"lacp_rate outside 802.3ad", `bond.create("bond0", {mode = 1, lacp_rate = "fast"})`, "lacp_rate applies to mode 802.3ad only"},
		{"updelay without miimon", `bond.create("bond0", {mode = 1, updelay = 200})`, "updelay 200 needs MII monitoring"},
		{"mode change with slaves", `bond.create("bond0", {mode = 1, slaves = {"ens36"}}); bond.set("bond0", {mode = "802.3ad"})`, "bond.set bond0: cannot change the mode of bond0 while it has slaves"},
		{"bad VLAN id", `vlan.create("ens36", 4095)`, "vlan.create ens36 4095: bad VLAN id 4095"},
		{"VLAN on missing parent", `vlan.create("ens99", 10)`, "parent ens99: no such interface"},
		{"status of a non-bond", `bond.status("ens36")`, "bond.status ens36: ens36 is a veth, not a bond"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newS3Host(t)
			before := h.snapshot(t)
			res, _ := h.run(t, h.session(), script.Options{Chunk: c.chunk})
			if res.Err == nil {
				t.Fatal("want an error")
			}
			msg := res.Err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, c.want) {
				t.Fatalf("error %q: want one line containing %q", msg, c.want)
			}
			if after := h.snapshot(t); after != before {
				t.Fatalf("bad input changed the host:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func rollback(t *testing.T, h *s3Host, id string) {
	t.Helper()
	rep, err := h.store.RollbackCommitted(id, false, nil)
	if err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if err := rep.Err(); err != nil {
		t.Fatalf("rollback: %v", err)
	}
}

// When the gateway does not answer after the move, the recipe's check
// fails and it rolls itself back to the exact prior state.
func TestBondThenBridgeFailedCheckRollsBack(t *testing.T) {
	NeedVM(t)
	h := newS3Host(t)
	lh, _ := h.lan.Handle()
	lan0, err := lh.LinkByName("lan0")
	must(t, err)
	gw, _ := netlink.ParseAddr(gatewayIP + "/24")
	must(t, lh.AddrDel(lan0, gw)) // the gateway is gone: nobody answers
	before := h.snapshot(t)
	res, _ := h.run(t, h.session(), script.Options{File: recipe, Args: recipeArgs})
	if res.Err == nil || res.Err.Kind != "check" || !strings.Contains(res.Err.Error(), "gateway 10.0.0.1 reachable") {
		t.Fatalf("want the gateway check to fail, got %v", res.Err)
	}
	if res.State != tx.StateRolledBack {
		t.Fatalf("state %s (%v)", res.State, res.Rollback.Err())
	}
	if after := h.snapshot(t); after != before {
		t.Fatalf("state after rollback differs:\nbefore %s\nafter  %s", before, after)
	}
}
