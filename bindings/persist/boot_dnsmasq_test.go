package persist_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"rewire/bindings/dnsmasq"
	"rewire/bindings/host"
	"rewire/bindings/persist"
	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

const guestMAC = "52:54:00:12:34:56"

// udhcpc runs busybox udhcpc in the guest until it is bound and returns
// the address and router it was given.
func udhcpc(t *testing.T, guest *target.Target) (ip, router string) {
	t.Helper()
	dir := t.TempDir()
	got := filepath.Join(dir, "bound")
	script := "#!/bin/sh\nif [ \"$1\" = bound ]; then echo \"$ip $router\" > " + got + "; fi\nexit 0\n"
	must(t, os.WriteFile(filepath.Join(dir, "script"), []byte(script), 0o755))
	sh(t, guest, "busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "5", "-T", "1", "-s", filepath.Join(dir, "script"))
	b, err := os.ReadFile(got)
	if err != nil {
		t.Fatalf("udhcpc was never bound: %v", err)
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		t.Fatalf("udhcpc script got %q", b)
	}
	return f[0], f[1]
}

// A dnsmasq served on br0 is persisted as its config, hosts file, the
// template unit and its instance's enable link; the unit's command line,
// after the served dnsmasq is gone (a reboot), starts a dnsmasq that
// serves the guest its reservation; rollback restores the files.
func TestPersistDnsmasqUnitServes(t *testing.T) {
	tg, guest := nstest.New(t), nstest.New(t)
	st, err := tx.OpenStore(filepath.Join(t.TempDir(), "state"))
	if err != nil {
		t.Fatal(err)
	}
	s := &tx.Session{Store: st, Target: tg, Script: "persist-dnsmasq-test"}
	t.Cleanup(func() { s.Rollback() })
	sh(t, tg, "ip", "link", "add", "br0", "type", "bridge")
	sh(t, tg, "ip", "addr", "add", "192.168.100.1/24", "dev", "br0")
	sh(t, tg, "ip", "link", "set", "br0", "up")
	nstest.Veth(t, tg, "vnet0", guest, "eth0")
	sh(t, tg, "ip", "link", "set", "vnet0", "master", "br0", "up")
	sh(t, guest, "ip", "link", "set", "eth0", "address", guestMAC, "up")

	root := t.TempDir()
	roots := host.Roots{Etc: filepath.Join(root, "etc"), Run: filepath.Join(root, "run"), Var: filepath.Join(root, "var/lib")}
	must(t, dnsmasq.Serve(s, "br0", dnsmasq.Options{Range: [2]string{"192.168.100.10", "192.168.100.20"}, Router: "192.168.100.1", LeaseTime: "1h",
		Hosts: []dnsmasq.Host{{MAC: guestMAC, IP: "192.168.100.15", Name: "guest1"}}}))
	ws, err := persist.Save(s, persist.Options{Roots: &roots})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 4 {
		t.Fatalf("save: %+v, want conf, hosts, unit, link", ws)
	}
	if to, err := os.Readlink(filepath.Join(roots.Etc, "systemd/system/multi-user.target.wants/rewire-dnsmasq@br0.service")); err != nil || to != "../rewire-dnsmasq@.service" {
		t.Errorf("enable link: %q %v", to, err)
	}
	unit, err := os.ReadFile(filepath.Join(roots.Etc, "systemd/system/rewire-dnsmasq@.service"))
	if err != nil {
		t.Fatal(err)
	}

	// The reboot: the dnsmasq Serve started is gone.
	pidFile := filepath.Join(st.Dir, "dnsmasq/br0/pid")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	must(t, syscall.Kill(pid, syscall.SIGTERM))
	for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(20 * time.Millisecond)
	}

	// What systemd does for rewire-dnsmasq@br0.service.
	var argv []string
	for _, l := range strings.Split(string(unit), "\n") {
		if rest, ok := strings.CutPrefix(l, "ExecStart="); ok {
			argv = strings.Fields(strings.ReplaceAll(rest, "%I", "br0"))
		}
	}
	if len(argv) < 2 {
		t.Fatalf("no ExecStart in\n%s", unit)
	}
	must(t, os.MkdirAll(filepath.Join(roots.Run, "rewire/dnsmasq-br0"), 0o755)) // RuntimeDirectory=
	must(t, os.MkdirAll(filepath.Join(roots.Var, "rewire/dnsmasq"), 0o755))     // StateDirectory=
	cmd := exec.Command(argv[0], argv[1:]...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := tg.Start(cmd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ip, router := udhcpc(t, guest)
	if ip != "192.168.100.15" || router != "192.168.100.1" {
		t.Errorf("guest got %s via %s, want its reservation 192.168.100.15 via 192.168.100.1 (%s)", ip, router, out.String())
	}
	lease, _ := os.ReadFile(filepath.Join(roots.Var, "rewire/dnsmasq/br0.leases"))
	if !strings.Contains(string(lease), guestMAC) {
		t.Errorf("lease file: %q", lease)
	}
	if !strings.Contains(string(lease), "guest1") && !strings.Contains(string(lease), "192.168.100.15") {
		t.Errorf("lease file lacks the reservation: %q", lease)
	}
	cmd.Process.Kill()
	cmd.Wait()

	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	left := tree(t, roots.Etc)
	if len(left) != 0 {
		t.Errorf("files left after rollback: %v", left)
	}
}
