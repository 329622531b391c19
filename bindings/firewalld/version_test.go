package firewalld

import "testing"

// The flush decision (see reload.go): the iptables backend always
// flushes; the nftables backend from 2.0.0 on, or with the backport, not.
func TestFlushesIptables(t *testing.T) {
	for _, c := range []struct {
		version, backend string
		patched, want    bool
	}{
		{"1.3.3", "nftables", false, true}, // Debian 12
		{"1.2.5", "nftables", true, false}, // RHEL 9.3's backport
		{"1.2.5", "nftables", false, true}, // upstream 1.2.5
		{"0.9.11", "nftables", false, true},
		{"2.0.0", "nftables", false, false},
		{"2.3.2", "nftables", false, false},
		{"2.3.2", "iptables", true, true},
		{"", "nftables", false, true},
	} {
		if got := flushesIptables(c.version, c.backend, func() bool { return c.patched }); got != c.want {
			t.Errorf("%s %s patched=%v: flushes %v, want %v", c.version, c.backend, c.patched, got, c.want)
		}
	}
	if v, ok := parseVersion("1.2.5-1.el9"); !ok || v != [3]int{1, 2, 5} {
		t.Errorf("parseVersion: %v %v", v, ok)
	}
}
