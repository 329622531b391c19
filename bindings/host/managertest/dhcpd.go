package managertest

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"rewire/bindings/target"
)

// DHCPServer is a dnsmasq serving DHCP on the LAN's bridge with 2-minute
// leases (dnsmasq's shortest) and no ping before an offer.
type DHCPServer struct {
	Daemon *Daemon
	Leases string
}

// StartDHCP starts dnsmasq (DHCP only: port=0) on iface of lan, offering
// first..last; the router it announces is its own address.
func StartDHCP(t testing.TB, lan *target.Target, iface, first, last string) *DHCPServer {
	t.Helper()
	Need(t, "dnsmasq")
	dir := t.TempDir()
	leases := filepath.Join(dir, "leases")
	cmd := exec.Command("dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0",
		"--interface="+iface, "--bind-interfaces", "--except-interface=lo",
		"--dhcp-range="+first+","+last+",2m", "--no-ping", "--dhcp-authoritative",
		"--dhcp-leasefile="+leases, "--pid-file="+filepath.Join(dir, "pid"), "--log-dhcp", "--log-facility=-")
	d := Start(t, lan, dir, "dnsmasq", cmd)
	time.Sleep(50 * time.Millisecond)
	if d.Exited() {
		t.Fatalf("dnsmasq exited\n%s", d.Tail())
	}
	return &DHCPServer{Daemon: d, Leases: leases}
}

// StartDHCPv6 starts a dnsmasq sending router advertisements on iface
// of lan (with the autonomous flag: SLAAC) and serving stateful DHCPv6
// from first..last with 2-minute leases. iface must hold an address of
// the range's /64, added with nodad (dnsmasq cannot bind a tentative one).
func StartDHCPv6(t testing.TB, lan *target.Target, iface, first, last string) *DHCPServer {
	t.Helper()
	Need(t, "dnsmasq")
	dir := t.TempDir()
	leases := filepath.Join(dir, "leases")
	cmd := exec.Command("dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0",
		"--interface="+iface, "--bind-interfaces", "--except-interface=lo", "--enable-ra",
		"--dhcp-range="+first+","+last+",slaac,64,2m", "--ra-param="+iface+",3",
		"--dhcp-leasefile="+leases, "--pid-file="+filepath.Join(dir, "pid"), "--log-dhcp", "--log-facility=-")
	d := Start(t, lan, dir, "dnsmasq6", cmd)
	time.Sleep(50 * time.Millisecond)
	if d.Exited() {
		t.Fatalf("dnsmasq (DHCPv6) exited\n%s", d.Tail())
	}
	return &DHCPServer{Daemon: d, Leases: leases}
}

// Eventually polls cond every 20 ms until it returns nil or timeout
// passes, then fails the test with its last error and the daemons' logs.
func Eventually(t testing.TB, timeout time.Duration, cond func() error, logs ...*Daemon) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			msg := ""
			for _, d := range logs {
				msg += "\n" + d.Tail()
			}
			t.Fatalf("after %v: %v%s", timeout, err, msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
