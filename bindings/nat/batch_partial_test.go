package nat

import (
	"strings"
	"testing"

	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

// A batch commits table by table: when a later table's line is refused,
// the earlier table's rules went in. The change's undo, run by Tx.Apply
// on the failure, takes them out again: the host is as it was.
func TestBatchRefusedInLaterTableLeavesNothing(t *testing.T) {
	tg := nstest.New(t)
	before, err := tg.Run(nil, "iptables-save")
	if err != nil {
		t.Fatal(err)
	}
	gen0, err := genID(tg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := &tx.Session{Store: st, Target: tg}
	rules := []Rule{
		{Family: IPv4, Table: "nat", Chain: "REWIRE-PREROUTING", Spec: "-p tcp -m tcp --dport 2222 " + comment("partial") + " -j DNAT --to-destination 192.168.100.10:22"},
		{Family: IPv4, Table: "filter", Chain: "REWIRE-FORWARD", Spec: comment("partial") + " -j NO-SUCH-CHAIN"},
	}
	if _, _, err := addRules(s, IPv4, "partial", rules); err == nil {
		t.Fatal("a rule jumping to a chain that does not exist went in")
	} else if strings.Contains(err.Error(), "undoing it failed") {
		t.Fatalf("the undo after the refusal failed: %v", err)
	}
	// The nat table did commit (and was undone): the generation moved.
	if gen, err := genID(tg); err != nil || gen < gen0+2 {
		t.Errorf("nftables generation %d -> %d (%v): the nat half never went in, nothing was undone", gen0, gen, err)
	}
	s.Rollback()
	after, err := tg.Run(nil, "iptables-save")
	if err != nil {
		t.Fatal(err)
	}
	if strip(after) != strip(before) {
		t.Errorf("iptables-save before:\n%s\nafter:\n%s", before, after)
	}
}

// strip drops iptables-save's comment lines (they carry the time).
func strip(b []byte) string {
	var keep []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, "#") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
