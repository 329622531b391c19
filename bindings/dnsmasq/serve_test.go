package dnsmasq

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

const guestMAC = "52:54:00:12:34:56"

// lan is a host namespace with bridge br0 (192.168.100.1/24) and a guest
// namespace whose eth0 is a veth to the bridge's port vnet0.
type lan struct {
	s     *tx.Session
	guest *target.Target
}

func newLAN(t *testing.T) *lan {
	t.Helper()
	st, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l := &lan{s: &tx.Session{Store: st, Target: nstest.New(t), Script: "test"}, guest: nstest.New(t)}
	host := l.s.Target
	run(t, host, "ip", "link", "add", "br0", "type", "bridge")
	run(t, host, "ip", "addr", "add", "192.168.100.1/24", "dev", "br0")
	run(t, host, "ip", "link", "set", "br0", "up")
	nstest.Veth(t, host, "vnet0", l.guest, "eth0")
	run(t, host, "ip", "link", "set", "vnet0", "master", "br0", "up")
	run(t, l.guest, "ip", "link", "set", "eth0", "address", guestMAC, "up")
	t.Cleanup(func() { l.s.Rollback() }) // never leave a dnsmasq behind
	return l
}

func run(t *testing.T, tg *target.Target, prog string, args ...string) string {
	t.Helper()
	out, err := tg.Run(nil, prog, args...)
	if err != nil {
		t.Fatalf("%s %v: %v", prog, args, err)
	}
	return string(out)
}

// dhcp runs busybox udhcpc in the guest until it is bound and returns the
// address and router it was given.
func (l *lan) dhcp(t *testing.T) (ip, router string) {
	t.Helper()
	dir := t.TempDir()
	got := filepath.Join(dir, "bound")
	script := "#!/bin/sh\nif [ \"$1\" = bound ]; then echo \"$ip $router\" > " + got + "; fi\nexit 0\n"
	if err := os.WriteFile(filepath.Join(dir, "script"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, l.guest, "busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "5", "-T", "1",
		"-x", "hostname:guest1", "-s", filepath.Join(dir, "script"))
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

func TestServeLeaseReserveAndRollback(t *testing.T) {
	l := newLAN(t)
	err := Serve(l.s, "br0", Options{Range: [2]string{"192.168.100.10", "192.168.100.20"}, Router: "192.168.100.1", LeaseTime: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	in := instance{Dir: stateRootDir(l.s, "br0")}
	pid, ok := in.running()
	if !ok {
		t.Fatal("dnsmasq is not running after serve")
	}
	// It must not hang off this process: own session, reparented.
	stat, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	if f[1] == strconv.Itoa(os.Getpid()) || f[3] == strconv.Itoa(os.Getpid()) {
		t.Errorf("dnsmasq is a child or in the session of the test process: %s", stat)
	}

	ip, router := l.dhcp(t)
	if router != "192.168.100.1" {
		t.Errorf("router %s, want 192.168.100.1", router)
	}
	n := net.ParseIP(ip).To4()
	if n == nil || n[3] < 10 || n[3] > 20 {
		t.Fatalf("guest got %s, outside the range", ip)
	}
	ls, err := Leases(stateRoot(l.s), "br0")
	if err != nil {
		t.Fatal(err)
	}
	lease, ok := Find(ls, guestMAC)
	if !ok || lease.IP != ip || lease.Hostname != "guest1" || lease.Bridge != "br0" {
		t.Fatalf("lease of %s: %+v (%v) in %+v", guestMAC, lease, ok, ls)
	}

	if err := Reserve(l.s, "br0", Host{MAC: guestMAC, IP: "192.168.100.50", Name: "vm1"}); err != nil {
		t.Fatal(err)
	}
	if ip, _ := l.dhcp(t); ip != "192.168.100.50" {
		t.Fatalf("with a reservation the guest got %s, want 192.168.100.50", ip)
	}
	st, err := Status(l.s)
	if err != nil || len(st) != 1 || !st[0].Running || st[0].Hosts != 1 || st[0].Bridge != "br0" {
		t.Fatalf("status %+v %v", st, err)
	}

	if rep := l.s.Rollback(); rep.Err() != nil {
		t.Fatal(rep.Err())
	}
	if _, ok := in.running(); ok {
		t.Fatal("dnsmasq still runs after rollback")
	}
	if _, err := os.Stat(in.Dir); !os.IsNotExist(err) {
		t.Fatalf("dnsmasq's files are left after rollback: %v", err)
	}
}

func TestReserveUndoRestoresHostsFileExactly(t *testing.T) {
	l := newLAN(t)
	hosts := []Host{{MAC: "52:54:00:00:00:01", IP: "192.168.100.11", Name: "a"}, {MAC: "52:54:00:00:00:02", IP: "192.168.100.12"}}
	if err := Serve(l.s, "br0", Options{Range: [2]string{"192.168.100.10", "192.168.100.20"}, Hosts: hosts}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.s.Commit(); err != nil {
		t.Fatal(err)
	}
	in := instance{Dir: stateRootDir(l.s, "br0")}
	before, _ := os.ReadFile(in.hostsFile())
	if string(before) != "52:54:00:00:00:01,192.168.100.11,a\n52:54:00:00:00:02,192.168.100.12\n" {
		t.Fatalf("hosts file %q", before)
	}
	must(t, Reserve(l.s, "br0", Host{MAC: "52:54:00:00:00:03", IP: "192.168.100.13", Name: "c"}))
	must(t, Reserve(l.s, "br0", Host{MAC: "52:54:00:00:00:01", IP: "192.168.100.15"}))
	must(t, Unreserve(l.s, "br0", "192.168.100.12"))
	now, _ := os.ReadFile(in.hostsFile())
	if string(now) != "52:54:00:00:00:03,192.168.100.13,c\n52:54:00:00:00:01,192.168.100.15\n" {
		t.Fatalf("hosts file after edits %q", now)
	}
	if err := Unreserve(l.s, "br0", "52:54:00:00:00:09"); engine.KindOf(err) != engine.KindNotFound {
		t.Errorf("unreserve of an unknown MAC: %v", err)
	}
	if rep := l.s.Rollback(); rep.Err() != nil {
		t.Fatal(rep.Err())
	}
	after, _ := os.ReadFile(in.hostsFile())
	if string(after) != string(before) {
		t.Fatalf("hosts file after rollback %q, want %q", after, before)
	}
	// The committed serve is still there; stop it as a later rollback would.
	must(t, in.stop())
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestServeBadInputChangesNothing(t *testing.T) {
	l := newLAN(t)
	good := [2]string{"192.168.100.10", "192.168.100.20"}
	cases := []struct {
		name, bridge string
		o            Options
		want         string
	}{
		{"unknown bridge", "br9", Options{Range: good}, "no such interface br9"},
		{"bad range", "br0", Options{Range: [2]string{"192.168.100.10", "nonsense"}}, "bad range"},
		{"bad router", "br0", Options{Range: good, Router: "300.1.1.1"}, "bad address"},
		{"bad lease time", "br0", Options{Range: good, LeaseTime: "soon"}, "bad lease_time"},
		{"bad host", "br0", Options{Range: good, Hosts: []Host{{MAC: "zz", IP: "192.168.100.11"}}}, "bad MAC"},
		{"bad bridge name", "../x", Options{Range: good}, "bad bridge name"},
	}
	for _, c := range cases {
		err := Serve(l.s, c.bridge, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: want one line with %q, got %v", c.name, c.want, err)
		}
	}
	if err := Reserve(l.s, "br0", Host{MAC: guestMAC, IP: "192.168.100.50"}); engine.KindOf(err) != engine.KindNotFound {
		t.Errorf("reserve without serve: %v", err)
	}
	// A host without dnsmasq gets one line, and no files are left.
	t.Setenv("PATH", t.TempDir())
	err := Serve(l.s, "br0", Options{Range: good})
	if err == nil || !strings.Contains(err.Error(), "dnsmasq is not installed") {
		t.Errorf("missing dnsmasq: %v", err)
	}
	if _, err := os.Stat(stateRoot(l.s) + "/br0"); !os.IsNotExist(err) {
		t.Errorf("files left after a failed serve: %v", err)
	}
	if tx := l.s.Current(); tx != nil && tx.Live() != 0 {
		t.Errorf("%d changes left after bad input", tx.Live())
	}
}
