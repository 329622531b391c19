package domain

import (
	"strings"
	"testing"
)

// TestChangeTouchingMoreIsUndone: a NIC change after which libvirt's
// persistent XML differs outside that NIC (here an edit that also blanks
// the VNC password, as a lossy rewrite would) fails with one line naming
// the guest and the first differing element, and is undone at once.
func TestChangeTouchingMoreIsUndone(t *testing.T) {
	s := testDriver(t)
	name := defineFixture(t, s, "secrets.xml")
	before := secureXML(t, s, name)
	d, err := Lookup(s.Target, name)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Free()
	cfg := Scope{Config: true}
	nt, err := locateNIC(d, name, NICRef{MAC: "52:54:00:aa:00:01"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	elem, err := repointText(nt.cfg.nicText(nt.cfgAt), Source{Type: "network", Source: "isolated"})
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(nt.cfg.replaceNIC(nt.cfgAt, elem), " passwd='s3cret'", "", 1)
	e := &nicEdit{name: name, what: "re-pointing NIC " + nt.mac, before: nt.cfg, bi: nt.cfgAt, config: bad,
		after: func(*domText) (int, error) { return nt.cfgAt, nil }}
	u, err := nt.undo(name, cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = nicKind.Apply(s, "domain:"+name+":nic:"+nt.mac, "re-point", u, func() error { return e.apply(s.Target) })
	want := "domain vm3: re-pointing NIC 52:54:00:aa:00:01 changed more than that NIC (first difference: /domain/devices[1]/graphics[1]/@passwd); undone"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v\nwant %s", err, want)
	}
	if after := secureXML(t, s, name); after != before {
		t.Fatalf("not undone:\n%s", after)
	}
	if st := s.Current().Steps(); len(st) != 1 || !st[0].Undone {
		t.Fatalf("journal: %+v", st)
	}
	// The same edit without the stray change passes the check.
	e.config = nt.cfg.replaceNIC(nt.cfgAt, elem)
	if err := e.apply(s.Target); err != nil {
		t.Fatal(err)
	}
	if got := nicSources(t, secureXML(t, s, name)); len(got) != 1 || got[0] != "network isolated" {
		t.Fatalf("after: %v", got)
	}
}

// TestLiveUndoAlreadySo: the live half of an undo does nothing when the
// running guest's NIC is already as recorded, or already gone.
func TestLiveUndoAlreadySo(t *testing.T) {
	s := testDriver(t)
	d, err := Lookup(s.Target, "vm1")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Free()
	nt, err := locateNIC(d, "vm1", NICRef{MAC: "52:54:00:0c:8b:d2"}, Scope{Live: true})
	if err != nil || nt.live == nil {
		t.Fatalf("%+v %v", nt, err)
	}
	u, err := nt.undo("vm1", Scope{Live: true})
	if err != nil || !strings.Contains(u.Live, "52:54:00:0c:8b:d2") {
		t.Fatalf("%+v %v", u, err)
	}
	before := inactiveXML(t, s, "vm1")
	if err := restoreNIC(s.Target, u); err != nil {
		t.Fatalf("NIC as recorded: %v", err)
	}
	if err := restoreNIC(s.Target, nicUndo{Domain: "vm1", MAC: "52:54:00:99:99:99", LiveTouched: true}); err != nil {
		t.Fatalf("NIC already gone: %v", err)
	}
	if inactiveXML(t, s, "vm1") != before {
		t.Fatal("a no-op undo changed vm1")
	}
}
