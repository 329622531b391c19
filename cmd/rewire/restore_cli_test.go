package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rewire/bindings/host"
	"rewire/bindings/nat"
	"rewire/bindings/persist"
	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

// iptablesIn runs iptables (or another program) in tg, failing the test.
func iptablesIn(t *testing.T, tg *target.Target, prog string, args ...string) string {
	t.Helper()
	out, err := tg.Run(nil, prog, args...)
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", prog, args, err, out)
	}
	return string(out)
}

// firewall is the whole of tg's iptables and ip6tables, as compared.
func firewall(t *testing.T, tg *target.Target) string {
	t.Helper()
	var b strings.Builder
	for _, f := range []nat.Family{nat.IPv4, nat.IPv6} {
		s, err := nat.Save(tg, f)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(nat.Normalize(s))
	}
	return b.String()
}

// bootFirewall is a boot's empty tables, then the host's own firewall
// (a chain and a jump of its own, never rewire's), as its boot makes it.
func bootFirewall(t *testing.T, tg *target.Target) {
	t.Helper()
	for _, tbl := range []string{"nat", "filter"} {
		iptablesIn(t, tg, "iptables", "-w", "-t", tbl, "-F")
		iptablesIn(t, tg, "iptables", "-w", "-t", tbl, "-X")
	}
	iptablesIn(t, tg, "iptables", "-w", "-N", "HOST-IN")
	iptablesIn(t, tg, "iptables", "-w", "-A", "HOST-IN", "-s", "192.0.2.7", "-j", "DROP")
	iptablesIn(t, tg, "iptables", "-w", "-A", "INPUT", "-j", "HOST-IN")
}

// TestRestoreCLI is `rewire restore` on a throw-away host with real
// iptables: the NAT persist kept is put back by `restore --root DIR`
// after a "reboot", the host's own chain stays; a second restore is a
// no-op; the unit persist wrote (ExecStart, with --netns) restores into
// its host also when started from another namespace, which gets
// nothing; a corrupt rules file is one line naming it, nothing changed;
// bad flags are one line.
func TestRestoreCLI(t *testing.T) {
	hostNS := nstest.New(t)
	elsewhere := nstest.New(t)
	env := []string{"PATH=" + os.Getenv("PATH"), "REWIRE_STATE_DIR=" + t.TempDir()}
	iptablesIn(t, hostNS, "ip", "link", "add", "eth0", "type", "bridge")
	root := t.TempDir()
	roots := host.Roots{Etc: filepath.Join(root, "etc"), Run: filepath.Join(root, "run"), Var: filepath.Join(root, "var/lib")}

	// What `rewire run --persist` of a NAT recipe leaves: the rules
	// file and the unit (made here through the Go API, with the roots
	// in a temp dir: never the machine's /etc).
	st, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := &tx.Session{Store: st, Target: hostNS, Script: "restore-cli-test"}
	bootFirewall(t, hostNS)
	if _, err := nat.Masquerade(s, "192.168.100.0/24", "eth0", "lan"); err != nil {
		t.Fatal(err)
	}
	if _, err := nat.AddPortForward(s, nat.PortForward{Proto: "tcp", Port: "2222", To: "192.168.100.10:22", In: "eth0", Tag: "ssh"}); err != nil {
		t.Fatal(err)
	}
	if _, err := persist.Save(s, persist.Options{Roots: &roots}); err != nil {
		t.Fatal(err)
	}
	live := firewall(t, hostNS)
	rules := filepath.Join(roots.Etc, "rewire/nat.rules")

	// A reboot; restore in the host's namespace, as its unit runs there.
	bootFirewall(t, hostNS)
	out, _, err := rewireIn(t, hostNS, env, "restore", "--root", root)
	if err != nil || !strings.Contains(out, "ipv4 "+rules+": restored") {
		t.Fatalf("restore --root: %v\n%s", err, out)
	}
	t.Logf("restore --root: %s", strings.TrimSpace(out))
	if got := firewall(t, hostNS); got != live {
		t.Fatalf("restored:\n%s\nwant (as persisted, the host's own chain beside it):\n%s", got, live)
	}

	out, _, err = rewireIn(t, hostNS, env, "restore", "--root", root)
	if err != nil || !strings.Contains(out, "ipv4 "+rules+": unchanged") {
		t.Errorf("second restore: %v\n%s", err, out)
	}
	if got := firewall(t, hostNS); got != live {
		t.Errorf("the second restore changed the rules:\n%s\nwas:\n%s", got, live)
	}

	// The unit's own command line, started in another namespace.
	unit, err := os.ReadFile(filepath.Join(roots.Etc, "systemd/system", persist.RestoreUnit))
	if err != nil {
		t.Fatal(err)
	}
	var argv []string
	for _, line := range strings.Split(string(unit), "\n") {
		if cmd, ok := strings.CutPrefix(line, "ExecStart="); ok {
			argv = strings.Fields(cmd)
		}
	}
	if len(argv) < 2 || argv[0] != persist.RestoreBinary || !strings.Contains(strings.Join(argv, " "), "--netns "+hostNS.NetnsPath) {
		t.Fatalf("the unit's ExecStart %q does not name the host's namespace %s", argv, hostNS.NetnsPath)
	}
	bootFirewall(t, hostNS)
	otherBefore := firewall(t, elsewhere)
	if out, _, err = rewireIn(t, elsewhere, env, argv[1:]...); err != nil {
		t.Fatalf("%v (from another namespace): %v\n%s", argv, err, out)
	}
	if got := firewall(t, hostNS); got != live {
		t.Errorf("the unit's command did not restore its host:\n%s", got)
	}
	if got := firewall(t, elsewhere); got != otherBefore {
		t.Errorf("the unit's command changed the namespace it was started in:\n%s", got)
	}

	// A corrupt rules file: cut short, as a full disk leaves it.
	good, err := os.ReadFile(rules)
	if err != nil {
		t.Fatal(err)
	}
	bootFirewall(t, hostNS)
	for name, bad := range map[string]string{
		"truncated": string(good[:strings.LastIndex(string(good), "COMMIT")-7]),
		"garbage":   "\x00\x01 not iptables-save at all\n",
		"foreign":   "*filter\n-A INPUT -j DROP\nCOMMIT\n",
	} {
		if err := os.WriteFile(rules, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		was := firewall(t, hostNS)
		out, _, err := rewireIn(t, hostNS, env, "restore", "--root", root)
		msg := strings.TrimSpace(out)
		t.Logf("%s rules file: %s", name, msg)
		if err == nil || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "rewire: restore: "+rules+": ") {
			t.Errorf("%s rules file: want one line naming %s, got %v:\n%s", name, rules, err, out)
		}
		if got := firewall(t, hostNS); got != was {
			t.Errorf("%s rules file changed the firewall:\n%s\nwas:\n%s", name, got, was)
		}
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"restore", "--root", root, "--netns", filepath.Join(root, "no-such-netns")}, "not a network namespace"},
		{[]string{"restore", "--lab", "--root", root}, "no --root or --netns with it"},
	} {
		out, _, err := rewireIn(t, elsewhere, env, c.args...)
		if err == nil || strings.Count(strings.TrimSpace(out), "\n") > 0 || !strings.Contains(out, c.want) {
			t.Errorf("%v: want one line saying %q, got %v:\n%s", c.args, c.want, err, out)
		}
	}
}
