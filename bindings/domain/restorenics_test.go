package domain

import (
	"fmt"
	"strings"
	"testing"

	"rewire/bindings/tx"
	"rewire/bindings/virtconn"
)

// defineManyNICs defines guest name with n NICs on network default
// (MACs 52:54:00:aa:00:01...), outside any transaction.
func defineManyNICs(t *testing.T, s *tx.Session, name string, n int) []string {
	t.Helper()
	var nics strings.Builder
	var macs []string
	for i := 1; i <= n; i++ {
		mac := fmt.Sprintf("52:54:00:aa:00:%02x", i)
		macs = append(macs, mac)
		fmt.Fprintf(&nics, `<interface type='network'><mac address='%s'/><source network='default'/><model type='virtio'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x%02x' function='0x0'/></interface>
`, mac, i+2)
	}
	c, err := virtconn.Connect(s.Target)
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DomainDefineXML(fmt.Sprintf(`<domain type='test'><name>%s</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
%s</devices></domain>`, name, nics.String()))
	if err != nil {
		t.Fatal(err)
	}
	d.Free()
	return macs
}

func repointAll(dom string, macs []string, src Source) []NICChange {
	var cs []NICChange
	for _, m := range macs {
		cs = append(cs, NICChange{Domain: dom, NIC: NICRef{MAC: m}, Source: src, Scope: Scope{Config: true}})
	}
	return cs
}

// A rollback undoes a guest's NICs as one run (restoreNICs): back to a
// savepoint that cuts the guest's changes in two, its XML is byte for
// byte what it was at the savepoint, then, rolled back fully, what it was
// before; every change has its own report line, newest first.
func TestSetInterfacesRollbackToSavepointExact(t *testing.T) {
	s := testDriver(t)
	addBridge(t, s.Target, "br0")
	addBridge(t, s.Target, "br1")
	macs := defineManyNICs(t, s, "vm3", 5)
	before := map[string]string{"vm2": inactiveXML(t, s, "vm2"), "vm3": inactiveXML(t, s, "vm3")}
	br0, br1 := Source{Type: "bridge", Source: "br0"}, Source{Type: "bridge", Source: "br1"}

	first := append(repointAll("vm3", macs[:3], br0), repointAll("vm2", []string{"52:54:00:35:29:ea"}, br0)...)
	if err := SetNICs(s, first); err != nil {
		t.Fatal(err)
	}
	sp := s.Current().Savepoint("half")
	mid := map[string]string{"vm2": inactiveXML(t, s, "vm2"), "vm3": inactiveXML(t, s, "vm3")}
	second := append(repointAll("vm3", []string{macs[3], macs[4], macs[0]}, br1), repointAll("vm2", []string{"52:54:00:35:29:eb"}, br1)...)
	if err := SetNICs(s, second); err != nil {
		t.Fatal(err)
	}
	if x := inactiveXML(t, s, "vm3"); strings.Count(x, "br1") != 3 || strings.Count(x, "br0") != 2 {
		t.Fatalf("vm3 after both lists:\n%s", x)
	}

	checkRolledBack(t, s, s.Current().RollbackTo(sp), "8 7 6 5", mid)
	checkRolledBack(t, s, s.Rollback(), "4 3 2 1", before)
}

// checkRolledBack checks a rollback's report lists the steps wantSeqs in
// that order, all undone, and that the guests' XML is back to want.
func checkRolledBack(t *testing.T, s *tx.Session, rep *tx.Report, wantSeqs string, want map[string]string) {
	t.Helper()
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	if got := seqs(rep); got != wantSeqs {
		t.Fatalf("report of the rollback: %s, want %s", got, wantSeqs)
	}
	for n, x := range want {
		if got := inactiveXML(t, s, n); got != x {
			t.Fatalf("rollback did not restore %s:\n%s\nwant\n%s", n, got, x)
		}
	}
}

func seqs(rep *tx.Report) string {
	var out []string
	for _, r := range rep.Results {
		out = append(out, fmt.Sprint(r.Seq))
	}
	return strings.Join(out, " ")
}

// Crash recovery replays a guest's run of NIC changes from the journal
// alone and gives its XML back byte for byte, each change its own
// journal record.
func TestRecoverGuestNICsFromJournal(t *testing.T) {
	s := testDriver(t)
	addBridge(t, s.Target, "br0")
	macs := defineManyNICs(t, s, "vm3", 6)
	before := inactiveXML(t, s, "vm3")
	if err := SetNICs(s, repointAll("vm3", macs, Source{Type: "bridge", Source: "br0"})); err != nil {
		t.Fatal(err)
	}
	id := s.Current().ID
	s.Current().Detach() // the process "dies": the journal stays open
	var lines []string
	if ids, err := s.Store.Recover(func(_ string, r tx.UndoResult) { lines = append(lines, r.String()) }); err != nil || len(ids) != 1 {
		t.Fatalf("recover: %v %v", ids, err)
	}
	if got := inactiveXML(t, s, "vm3"); got != before {
		t.Fatalf("recover did not restore vm3:\n%s\nwant\n%s", got, before)
	}
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "- undo 6 vm3 NIC "+macs[5]) || !strings.HasPrefix(lines[5], "- undo 1 vm3 NIC "+macs[0]) {
		t.Fatalf("recover's report:\n%s", strings.Join(lines, "\n"))
	}
	sum, err := s.Store.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range sum.Steps {
		if !st.Undone {
			t.Fatalf("journal: step %d not undone", st.Seq)
		}
	}
}

// A define that fails is reported on each change of the run that holds
// an XML to define, and on no other.
func TestRestoreNICsReportsAFailedDefinePerChange(t *testing.T) {
	s := testDriver(t)
	macs := defineManyNICs(t, s, "vm3", 3)
	us := []nicUndo{
		{Domain: "vm3", MAC: macs[2], Config: "<domain", CfgNIC: "<interface/>"},
		{Domain: "vm3", MAC: macs[1], CfgNIC: "<interface/>"},
		{Domain: "vm3", MAC: macs[0], Config: "<domain"},
	}
	errs := restoreNICs(s.Target, us)
	if len(errs) != 3 || errs[0] == nil || errs[1] != nil || errs[2] == nil || !strings.Contains(errs[2].Error(), "domain vm3: redefine") {
		t.Fatalf("errors: %v", errs)
	}
	if errs := restoreNICs(s.Target, []nicUndo{{Domain: "gone", MAC: macs[0], Config: "<domain"}, {Domain: "gone", MAC: macs[1]}}); errs[0] != nil || errs[1] != nil {
		t.Fatalf("a guest that is gone: %v", errs)
	}
}

// Rolling back a committed re-point judges every NIC from one read of its
// guest: a NIC changed behind the transaction's back is named, alone, and
// nothing is undone; once it is back, the rollback restores the XML byte
// for byte.
func TestRollbackCommittedJudgesEachNICOfAGuest(t *testing.T) {
	s := testDriver(t)
	addBridge(t, s.Target, "br0")
	addBridge(t, s.Target, "br1")
	macs := defineManyNICs(t, s, "vm3", 4)
	before := inactiveXML(t, s, "vm3")
	if err := SetNICs(s, repointAll("vm3", macs, Source{Type: "bridge", Source: "br0"})); err != nil {
		t.Fatal(err)
	}
	id, err := s.Commit()
	if err != nil {
		t.Fatal(err)
	}
	left := inactiveXML(t, s, "vm3")
	redefine := func(x string) {
		t.Helper()
		if err := define(s.Target, x); err != nil {
			t.Fatal(err)
		}
	}
	moved, err := RepointXML(left, NICRef{MAC: macs[2]}, Source{Type: "bridge", Source: "br1"})
	if err != nil {
		t.Fatal(err)
	}
	redefine(moved)
	_, err = s.Store.RollbackCommitted(id, false, nil)
	if err == nil || !strings.Contains(err.Error(), "step 3 (vm3 NIC "+macs[2]) || strings.Count(err.Error(), "step ") != 1 {
		t.Fatalf("want only step 3 named as drifted, got %v", err)
	}
	if inactiveXML(t, s, "vm3") != moved {
		t.Fatal("a refused rollback changed vm3")
	}
	redefine(left)
	if rep, err := s.Store.RollbackCommitted(id, false, nil); err != nil || rep.Err() != nil {
		t.Fatalf("rollback: %v %v", err, rep.Err())
	}
	if got := inactiveXML(t, s, "vm3"); got != before {
		t.Fatalf("rollback did not restore vm3:\n%s\nwant\n%s", got, before)
	}
}
