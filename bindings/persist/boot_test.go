package persist_test

import (
	"io/fs"
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

// tree is every file and symlink under dir: path → content, or "-> target".
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			to, _ := os.Readlink(p)
			out[p] = "-> " + to
			return nil
		}
		b, _ := os.ReadFile(p)
		out[p] = string(b)
		return nil
	})
	return out
}

func sh(t *testing.T, tg *target.Target, prog string, args ...string) {
	t.Helper()
	if out, err := tg.Run(nil, prog, args...); err != nil {
		t.Fatalf("%s %v: %v\n%s", prog, args, err, out)
	}
}

func rewireChains(t *testing.T, tg *target.Target) string {
	t.Helper()
	v4, err := nat.Boot(tg, nat.IPv4)
	if err != nil {
		t.Fatal(err)
	}
	v6, err := nat.Boot(tg, nat.IPv6)
	if err != nil {
		t.Fatal(err)
	}
	return v4 + v6
}

// reboot is what a boot leaves of the firewall: empty tables.
func reboot(t *testing.T, tg *target.Target) {
	t.Helper()
	for _, ipt := range []string{"iptables", "ip6tables"} {
		for _, tbl := range []string{"nat", "filter"} {
			sh(t, tg, ipt, "-w", "-t", tbl, "-F")
			sh(t, tg, ipt, "-w", "-t", tbl, "-X")
		}
	}
}

// NAT made by nat.masquerade / forward / forward_port is persisted, lost
// in a "reboot", and put back by persist.Restore (rewire restore) as it
// was; a second restore changes nothing; the host's own rules are left
// alone; rolling the persist back restores the files byte for byte.
func TestPersistNATRestoreAfterReboot(t *testing.T) {
	tg := nstest.New(t)
	st, err := tx.OpenStore(filepath.Join(t.TempDir(), "state"))
	if err != nil {
		t.Fatal(err)
	}
	s := &tx.Session{Store: st, Target: tg, Script: "persist-nat-test"}
	sh(t, tg, "ip", "link", "add", "eth0", "type", "bridge")
	sh(t, tg, "ip", "link", "add", "virbr1", "type", "bridge")
	// The host's own rule, in a built-in chain: never rewire's to save.
	sh(t, tg, "iptables", "-w", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT")

	root := t.TempDir()
	roots := host.Roots{Etc: filepath.Join(root, "etc"), Run: filepath.Join(root, "run"), Var: filepath.Join(root, "var/lib")}
	// An earlier persist's v4 file, to be overwritten and then restored.
	old := "# an earlier rewire's\n"
	must(t, os.MkdirAll(filepath.Join(roots.Etc, "rewire"), 0o755))
	must(t, os.WriteFile(filepath.Join(roots.Etc, "rewire/nat.rules"), []byte(old), 0o640))
	before := tree(t, roots.Etc)

	if _, err := nat.Masquerade(s, "192.168.100.1/24", "eth0", "net"); err != nil {
		t.Fatal(err)
	}
	if _, err := nat.Forward(s, "virbr1", "192.168.100.0/24", "net"); err != nil {
		t.Fatal(err)
	}
	if _, err := nat.AddPortForward(s, nat.PortForward{Proto: "tcp", Port: "2222", To: "192.168.100.10:22", In: "eth0", Tag: "web"}); err != nil {
		t.Fatal(err)
	}
	if _, err := nat.Masquerade(s, "fd00:1::/64", "", "v6net"); err != nil {
		t.Fatal(err)
	}
	live := rewireChains(t, tg)
	if !strings.Contains(live, "MASQUERADE") || strings.Contains(live, "--dport 22 -j ACCEPT\n") {
		t.Fatalf("nat.Boot:\n%s", live)
	}

	dry, err := persist.Save(s, persist.Options{Roots: &roots, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := persist.Save(s, persist.Options{Roots: &roots})
	if err != nil {
		t.Fatal(err)
	}
	if len(dry) != len(ws) || len(ws) != 4 {
		t.Fatalf("dry run %v, save %v: want nat.rules, nat6.rules, the unit and its link", dry, ws)
	}
	unit := filepath.Join(roots.Etc, "systemd/system/rewire-restore.service")
	b, err := os.ReadFile(unit)
	if err != nil || !strings.Contains(string(b), "ExecStart=/usr/local/bin/rewire restore --root "+root+" --netns "+tg.NetnsPath+"\n") {
		t.Errorf("unit %s: %v\n%s", unit, err, b)
	}
	if to, err := os.Readlink(filepath.Join(roots.Etc, "systemd/system/multi-user.target.wants/rewire-restore.service")); err != nil || to != "../rewire-restore.service" {
		t.Errorf("enable link: %q %v", to, err)
	}
	// Saving again is a no-op.
	again, err := persist.Save(s, persist.Options{Roots: &roots})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range again {
		if w.Action != "unchanged" {
			t.Errorf("second save: %+v", w)
		}
	}

	reboot(t, tg)
	if got := rewireChains(t, tg); got != "" {
		t.Fatalf("after the reboot rewire still has chains:\n%s", got)
	}
	sh(t, tg, "iptables", "-w", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT")
	res, err := persist.Restore(tg, roots.Etc)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || !res[0].Changed || !res[1].Changed {
		t.Errorf("restore: %+v", res)
	}
	if got := rewireChains(t, tg); got != live {
		t.Errorf("restored:\n%s\nwant:\n%s", got, live)
	}
	saved, _ := nat.Save(tg, nat.IPv4)
	if !strings.Contains(nat.Normalize(saved), "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n") {
		t.Errorf("the host's own rule is gone:\n%s", saved)
	}
	full := func() string {
		a, _ := nat.Save(tg, nat.IPv4)
		b, _ := nat.Save(tg, nat.IPv6)
		return nat.Normalize(a) + nat.Normalize(b)
	}
	was := full()
	res, err = persist.Restore(tg, roots.Etc)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Changed {
			t.Errorf("second restore changed %+v", r)
		}
	}
	if now := full(); now != was {
		t.Errorf("second restore changed the rules:\n%s\nwas:\n%s", now, was)
	}

	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	after := tree(t, roots.Etc)
	if len(after) != len(before) {
		t.Errorf("after rollback: %v, want %v", after, before)
	}
	for p, c := range before {
		if after[p] != c {
			t.Errorf("%s after rollback: %q, want %q", p, after[p], c)
		}
	}
	if fi, err := os.Stat(filepath.Join(roots.Etc, "rewire/nat.rules")); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("nat.rules mode after rollback: %v %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(roots.Etc, "systemd")); !os.IsNotExist(err) {
		t.Errorf("systemd dir left after rollback: %v", err)
	}
}

// Rules for any chain but rewire's are refused, and nothing is applied.
func TestRestoreRefusesOtherChains(t *testing.T) {
	tg := nstest.New(t)
	etc := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(etc, "rewire"), 0o755))
	must(t, os.WriteFile(filepath.Join(etc, "rewire/nat.rules"), []byte("*filter\n:REWIRE-FORWARD - [0:0]\n-A INPUT -j DROP\nCOMMIT\n"), 0o644))
	if _, err := persist.Restore(tg, etc); err == nil {
		t.Fatal("a rule in INPUT was restored")
	}
	if got := rewireChains(t, tg); got != "" {
		t.Errorf("rules applied:\n%s", got)
	}
}

// Under a plan (file changes listed, not made) the NAT files, the unit
// and its link are listed as steps and nothing is written.
func TestPersistNATListedByAPlan(t *testing.T) {
	tg := nstest.New(t)
	st, err := tx.OpenStore(filepath.Join(t.TempDir(), "state"))
	if err != nil {
		t.Fatal(err)
	}
	s := &tx.Session{Store: st, Target: tg, Script: "persist-plan-test",
		Simulate: func(c tx.Change) bool { return strings.HasPrefix(c.Kind, "files.") }}
	t.Cleanup(func() { s.Rollback() })
	sh(t, tg, "ip", "link", "add", "eth0", "type", "bridge")
	if _, err := nat.Masquerade(s, "192.168.100.1/24", "eth0", "net"); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	roots := host.Roots{Etc: filepath.Join(root, "etc"), Run: filepath.Join(root, "run"), Var: filepath.Join(root, "var/lib")}
	if _, err := persist.Save(s, persist.Options{Roots: &roots}); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, st := range s.Current().Steps() {
		if st.Simulated {
			kinds[st.Kind]++
		}
	}
	if kinds["files.write"] != 2 || kinds["files.symlink"] != 1 {
		t.Errorf("listed steps: %v, want 2 files.write (nat.rules, the unit) and 1 files.symlink", kinds)
	}
	if left := tree(t, root); len(left) != 0 {
		t.Errorf("a plan wrote %v", left)
	}
}
