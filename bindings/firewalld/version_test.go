package firewalld

import "testing"

// The flush decision (see reload.go): the iptables backend always
// flushes; the nftables backend from 2.0.0 on, or with the backport, only
// while firewalld holds direct rules.
func TestFlushesIptables(t *testing.T) {
	for _, c := range []struct {
		version, backend      string
		patched, direct, want bool
	}{
		{"1.3.3", "nftables", false, false, true}, // Debian 12
		{"1.2.5", "nftables", true, false, false}, // RHEL 9.3's backport
		{"1.2.5", "nftables", true, true, true},   // ... holding direct rules
		{"1.2.5", "nftables", false, false, true}, // upstream 1.2.5
		{"0.9.11", "nftables", false, false, true},
		{"2.0.0", "nftables", false, false, false},
		{"2.3.2", "nftables", false, false, false},
		{"2.3.2", "nftables", false, true, true},
		{"2.3.2", "iptables", true, false, true},
		{"", "nftables", false, false, true},
	} {
		if got := flushesIptables(c.version, c.backend, func() bool { return c.patched }, func() bool { return c.direct }); got != c.want {
			t.Errorf("%s %s patched=%v direct=%v: flushes %v, want %v", c.version, c.backend, c.patched, c.direct, got, c.want)
		}
	}
	if v, ok := parseVersion("1.2.5-1.el9"); !ok || v != [3]int{1, 2, 5} {
		t.Errorf("parseVersion: %v %v", v, ok)
	}
}
