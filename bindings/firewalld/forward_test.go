package firewalld_test

import (
	"strings"
	"testing"

	"rewire/bindings/host/managertest"
	"rewire/bindings/nat"
)

// nat.forward puts the bridge into the libvirt zone too (its rules admit
// DHCP and DNS to the host); committed, the run rolls back later from the
// journal alone, and refuses while an admin has moved the bridge since.
// A firewalld reload that dropped the binding leaves undo nothing to do.
func TestForwardZoneCommittedRollback(t *testing.T) {
	l := newLAN(t)
	fw := managertest.StartFirewalld(t, l.sb, managertest.FirewalldOptions{Zones: map[string]string{"libvirt": libvirtZone}})
	s := l.session(t)
	if _, err := nat.Forward(s, "br0", "192.168.100.0/24", ""); err != nil {
		t.Fatal(err)
	}
	if k := strings.Join(kinds(s), " "); !strings.HasSuffix(k, " firewalld.zone") {
		t.Fatalf("steps %q", k)
	}
	id, err := s.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if z := fw.ZoneOf(t, "br0"); z != "libvirt" {
		t.Fatalf("br0 in zone %q, want libvirt", z)
	}

	if out, err := fw.Cmd(t, l.sb, "--zone=trusted", "--change-interface=br0"); err != nil {
		t.Fatalf("firewall-cmd: %v %s", err, out)
	}
	if _, err := l.store.RollbackCommitted(id, false, nil); err == nil || !strings.Contains(err.Error(), "br0") {
		t.Fatalf("rollback with br0 moved since: %v", err)
	} else {
		t.Logf("refused: %v", err)
	}
	if out, err := fw.Cmd(t, l.sb, "--zone=libvirt", "--change-interface=br0"); err != nil {
		t.Fatalf("firewall-cmd: %v %s", err, out)
	}
	rep, err := l.store.RollbackCommitted(id, false, nil)
	if err != nil || rep.Err() != nil {
		t.Fatalf("rollback: %v %v", err, rep.Err())
	}
	if z := fw.ZoneOf(t, "br0"); z != "" {
		t.Fatalf("br0 in zone %q after rollback, want none", z)
	}

	// A reload with FlushAllOnReload=yes (firewalld's default) drops
	// runtime bindings: br0 is in no zone again, and undo has nothing to do.
	s = l.session(t)
	if _, err := nat.Forward(s, "br0", "192.168.100.0/24", ""); err != nil {
		t.Fatal(err)
	}
	fw.Reload(t)
	if z := fw.ZoneOf(t, "br0"); z != "" {
		t.Fatalf("br0 in zone %q after firewalld's reload, want none", z)
	}
	if rep := s.Rollback(); rep.Err() != nil {
		t.Fatalf("rollback after firewalld's reload: %v", rep.Err())
	}
}
