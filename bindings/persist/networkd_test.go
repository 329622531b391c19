package persist_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rewire/bindings/host/managertest"
	"rewire/bindings/tx"
)

// rebootNetworkd: stop networkd, its /run state gone, br0 deleted, eth0
// flushed and down, networkd again (regenerate, for netplan, first).
func (r *rig) rebootNetworkd(t *testing.T, nd *managertest.Networkd, before func()) *managertest.Networkd {
	t.Helper()
	nd.Daemon.Stop()
	os.RemoveAll(filepath.Join(r.sb.Run, "systemd/netif"))
	r.unplug(t)
	if before != nil {
		before()
	}
	return managertest.StartNetworkd(t, r.sb, nil)
}

const ndStatic = "[Match]\nName=eth0\n\n[Network]\nAddress=10.0.0.111/24\nGateway=10.0.0.1\nDNS=10.0.0.1\n"
const ndDHCP = "[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\n\n[DHCPv4]\nUseHostname=no\n"

func TestNetworkdStatic(t *testing.T) { testNetworkd(t, ndStatic, "10.0.0.111/24", false) }
func TestNetworkdDHCP(t *testing.T)   { testNetworkd(t, ndDHCP, "10.0.0.", true) }

func testNetworkd(t *testing.T, eth0, want string, dhcp bool) {
	r := newRig(t)
	nd := managertest.StartNetworkd(t, r.sb, map[string]string{"10-eth0.network": eth0})
	st := r.waitState(t, 10*time.Second, original(want, dhcp), nd.Daemon, r.dhcp.Daemon)
	addr := strings.Fields(st.addr)[1]
	before := snapshot(t, r.sb.Etc)

	r.migrateAndPersist(t, "systemd/network/10-rewire-br0.netdev create, systemd/network/10-rewire-br0.network create, systemd/network/10-eth0.network write, sysctl.d/90-rewire.conf create")

	start := time.Now()
	nd = r.rebootNetworkd(t, nd, nil)
	r.waitState(t, 15*time.Second, bridged(addr, dhcp), nd.Daemon, r.dhcp.Daemon)
	t.Logf("timing: simulated reboot to br0 with %s: %v", addr, time.Since(start))

	r.rollback(t)
	sameFiles(t, before, snapshot(t, r.sb.Etc))
	start = time.Now()
	nd = r.rebootNetworkd(t, nd, nil)
	r.waitState(t, 15*time.Second, original(addr, dhcp), nd.Daemon, r.dhcp.Daemon)
	t.Logf("timing: rolled back, simulated reboot to eth0 with %s: %v", addr, time.Since(start))
}

// A plan lists file writes without making them (tx.Session.Simulate, as
// `rewire plan` does): persist's files are listed, none is written.
func TestPlanListsTheFiles(t *testing.T) {
	r := newRig(t)
	nd := managertest.StartNetworkd(t, r.sb, map[string]string{"10-eth0.network": ndStatic})
	r.waitState(t, 10*time.Second, original("10.0.0.111/24", false), nd.Daemon)
	before := snapshot(t, r.sb.Etc)
	r.s.Simulate = func(c tx.Change) bool { return strings.HasPrefix(c.Kind, "files.") }
	r.migrate(t)
	r.persist(t)
	sameFiles(t, before, snapshot(t, r.sb.Etc))
	var listed []string
	for _, st := range r.s.Current().Steps() {
		if st.Simulated {
			listed = append(listed, strings.ReplaceAll(st.Desc, r.sb.Etc, "ETC"))
		}
	}
	want := "create file ETC/systemd/network/10-rewire-br0.netdev (94 bytes, mode 0644); " +
		"create file ETC/systemd/network/10-rewire-br0.network (80 bytes, mode 0644); " +
		"write file ETC/systemd/network/10-eth0.network (63 bytes, mode 0644); " +
		"create file ETC/sysctl.d/90-rewire.conf (95 bytes, mode 0644)"
	if got := strings.Join(listed, "; "); got != want {
		t.Errorf("listed:\n%s\nwant\n%s", got, want)
	}
}
