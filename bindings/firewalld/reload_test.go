package firewalld_test

import (
	"strings"
	"testing"

	"rewire/bindings/host/managertest"
	"rewire/bindings/nat"
)

func firewalldWarning(ws []string) string {
	for _, w := range ws {
		if strings.HasPrefix(w, "firewalld") {
			return w
		}
	}
	return ""
}

// Debian 12's firewalld 1.3.3 with its default nftables backend: nat
// warns, once firewalld runs, that a reload flushes rewire's rules — and a
// reload does remove rewire's chains from the namespace's iptables.
func TestNATWarnsFirewalldReloadFlushes(t *testing.T) {
	testReloadWarning(t, "nftables")
}

// With the iptables backend every firewalld version flushes them.
func TestNATWarnsFirewalldIptablesBackend(t *testing.T) {
	testReloadWarning(t, "iptables")
}

func testReloadWarning(t *testing.T, backend string) {
	l := newLAN(t)
	s := l.session(t)
	res, err := nat.Masquerade(s, "192.168.100.0/24", "", "before")
	if err != nil {
		t.Fatal(err)
	}
	if w := firewalldWarning(res.Warnings); w != "" {
		t.Fatalf("warned with no firewalld running: %s", w)
	}

	fw := managertest.StartFirewalld(t, l.sb, managertest.FirewalldOptions{Backend: backend})
	res, err = nat.Masquerade(s, "192.168.101.0/24", "", "after")
	if err != nil {
		t.Fatal(err)
	}
	w := firewalldWarning(res.Warnings)
	if !strings.Contains(w, "("+backend+" backend) flushes every iptables table when it reloads") {
		t.Fatalf("warnings %q", res.Warnings)
	}
	t.Logf("warning: %s", w)
	if save := run(t, l.host, "iptables-save"); !strings.Contains(save, "rewire:after") {
		t.Fatalf("rewire's rule is not in iptables:\n%s", save)
	}
	fw.Reload(t)
	if save := run(t, l.host, "iptables-save"); strings.Contains(save, "rewire:after") || strings.Contains(save, "REWIRE-") {
		t.Fatalf("firewalld's reload left rewire's rules: the warning would be wrong\n%s", save)
	}
}
