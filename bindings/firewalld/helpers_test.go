package firewalld_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"rewire/bindings/host"
	"rewire/bindings/host/managertest"
	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

// roots maps each test's host namespace to its sandbox, as the CLI maps
// the lab's: the binding asks the firewalld detection finds.
var (
	rootsMu sync.Mutex
	roots   = map[string]host.Roots{}
)

func init() {
	host.RootsFor = func(tg *target.Target) host.Roots {
		rootsMu.Lock()
		defer rootsMu.Unlock()
		if r, ok := roots[tg.NetnsPath]; ok {
			return r
		}
		return host.DefaultRoots()
	}
}

const guestMAC = "52:54:00:12:34:56"

// lan is a host namespace with bridge br0 (192.168.100.1/24) whose port
// vnet0 is a veth to a guest namespace's eth0, a sandbox for the host's
// firewalld, and a journal store.
type lan struct {
	host, guest *target.Target
	sb          *managertest.Sandbox
	store       *tx.Store
}

func newLAN(t *testing.T) *lan {
	t.Helper()
	l := &lan{host: nstest.New(t), guest: nstest.New(t)}
	l.sb = managertest.NewSandbox(t, l.host)
	var err error
	if l.store, err = tx.OpenStore(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	run(t, l.host, "ip", "link", "add", "br0", "type", "bridge")
	run(t, l.host, "ip", "addr", "add", "192.168.100.1/24", "dev", "br0")
	run(t, l.host, "ip", "link", "set", "br0", "up")
	nstest.Veth(t, l.host, "vnet0", l.guest, "eth0")
	run(t, l.host, "ip", "link", "set", "vnet0", "master", "br0", "up")
	run(t, l.guest, "ip", "link", "set", "eth0", "address", guestMAC, "up")
	rootsMu.Lock()
	roots[l.host.NetnsPath] = host.Roots{Etc: l.sb.Etc, Run: l.sb.Run, Var: l.sb.Var}
	rootsMu.Unlock()
	t.Cleanup(func() { rootsMu.Lock(); delete(roots, l.host.NetnsPath); rootsMu.Unlock() })
	return l
}

// session is a transaction session on the host (rolled back at the end
// if still open, so no dnsmasq is left behind).
func (l *lan) session(t *testing.T) *tx.Session {
	s := &tx.Session{Store: l.store, Target: l.host, Script: "test"}
	t.Cleanup(func() { s.Rollback() })
	return s
}

func run(t *testing.T, tg *target.Target, prog string, args ...string) string {
	t.Helper()
	out, err := tg.Run(nil, prog, args...)
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", prog, args, err, out)
	}
	return string(out)
}

// dhcp runs busybox udhcpc in the guest (tries discovers, one a second)
// and returns the address it was bound to, "" when no server answered.
func (l *lan) dhcp(t *testing.T, tries string) string {
	t.Helper()
	dir := t.TempDir()
	got := filepath.Join(dir, "bound")
	script := "#!/bin/sh\nif [ \"$1\" = bound ]; then echo \"$ip\" > " + got + "; fi\nexit 0\n"
	if err := os.WriteFile(filepath.Join(dir, "script"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	l.guest.Run(nil, "busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", tries, "-T", "1",
		"-s", filepath.Join(dir, "script"))
	b, _ := os.ReadFile(got)
	return strings.TrimSpace(string(b))
}

// dnsAnswers reports whether the host's DNS server on br0 answers the
// guest (from 192.168.100.99): dnsmasq with no upstream says REFUSED or
// NXDOMAIN ("server can't find"); a firewall in the way leaves the
// client with no answer.
func (l *lan) dnsAnswers(t *testing.T) (bool, string) {
	t.Helper()
	run(t, l.guest, "ip", "addr", "replace", "192.168.100.99/24", "dev", "eth0")
	out, err := l.guest.Run(nil, "timeout", "5", "busybox", "nslookup", "-timeout=2", "-retry=1", "vm1.rewire.test", "192.168.100.1")
	s := strings.TrimSpace(string(out))
	if err != nil {
		s += " (" + err.Error() + ")"
	}
	return strings.Contains(s, "server can't find") || strings.Contains(s, "Name:"), s
}

// libvirtZone is a zone as libvirt's package adds one for its networks
// (forwarding, DHCP and DNS to the host), written here for the test.
const libvirtZone = `<?xml version="1.0" encoding="utf-8"?>
<zone target="ACCEPT">
  <short>libvirt</short>
  <rule priority="32767"><reject/></rule>
  <protocol value="icmp"/>
  <service name="dhcp"/>
  <service name="dns"/>
</zone>
`
