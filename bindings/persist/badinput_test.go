package persist_test

import (
	"strings"
	"testing"
	"time"

	"rewire/bindings/addr"
	"rewire/bindings/bridge"
	"rewire/bindings/errkind"
	"rewire/bindings/host/managertest"
	"rewire/bindings/persist"
)

// noneWritten: Save failed with one line, the files are as they were and
// the transaction journaled no write.
func (r *rig) noneWritten(t *testing.T, err error, before map[string]string, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("Save succeeded")
	}
	msg := err.Error()
	t.Logf("Save: %s (kind %s)", msg, errkind.Of(err))
	if strings.Contains(msg, "\n") || errkind.Of(err) != errkind.KindInvalid {
		t.Errorf("not one line of kind invalid: %q (%s)", msg, errkind.Of(err))
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("the error does not say %q: %s", w, msg)
		}
	}
	sameFiles(t, before, snapshot(t, r.sb.Etc))
	for _, st := range r.s.Current().Steps() {
		if strings.HasPrefix(st.Kind, "files.") || strings.HasPrefix(st.Kind, "persist.") {
			t.Errorf("journaled %s", st.Desc)
		}
	}
}

// No manager runs and no configuration names eth0: which format br0
// should be kept in cannot be told.
func TestNoManagerWritesNothing(t *testing.T) {
	r := newRig(t)
	h, _ := r.Host.Handle()
	eth0, _ := h.LinkByName("eth0")
	a, _ := addr.ParseCIDR("10.0.0.111/24")
	must(t, h.AddrAdd(eth0, a))
	before := snapshot(t, r.sb.Etc)
	r.migrate(t)
	_, err := persist.Save(r.s, persist.Options{Roots: &r.roots})
	r.noneWritten(t, err, before, "eth0: no network manager owns it (found: manager none, state up", "nothing written")
}

// The kernel (no bonding loaded) takes a bridge called bonding_masters,
// NetworkManager does not: nmcli's own message, nothing written.
func TestValidatorRejectsWritesNothing(t *testing.T) {
	r := newRig(t)
	nm := r.startNM(t, map[string]string{"uplink.nmconnection": managertest.StaticKeyfile("uplink", "eth0", "10.0.0.111/24", "10.0.0.1")})
	r.waitState(t, 10*time.Second, original("10.0.0.111/24", false), nm.Daemon)
	before := snapshot(t, r.sb.Etc)
	no, zero := false, 0
	const br = "bonding_masters"
	must(t, bridge.Create(r.s, br, bridge.Options{STP: &no, ForwardDelay: &zero}))
	must(t, bridge.AddPort(r.s, br, "eth0"))
	must(t, addr.Move(r.s, "eth0", br, addr.MoveOptions{MAC: true}))
	_, err := persist.Save(r.s, persist.Options{Roots: &r.roots})
	r.noneWritten(t, err, before, "nmcli --offline rejects", br+".nmconnection", "'bonding_masters' is not allowed as interface name")
}
