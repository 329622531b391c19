package persist_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rewire/bindings/host/managertest"
)

// rebootIfupdown: dhclient ended, ifupdown's state (in /run) gone, br0
// deleted, eth0 flushed and down, then `ifup -a` as the boot runs it.
func (r *rig) rebootIfupdown(t *testing.T) {
	t.Helper()
	for _, pid := range managertest.InNamespace(r.Host) {
		if b, _ := os.ReadFile(filepath.Join("/proc", itoa(pid), "comm")); strings.TrimSpace(string(b)) == "dhclient" {
			p, _ := os.FindProcess(pid)
			p.Kill()
		}
	}
	os.RemoveAll(filepath.Join(r.sb.Run, "network"))
	os.MkdirAll(filepath.Join(r.sb.Run, "network"), 0o755)
	r.unplug(t)
	r.sb.Exec("ifup", "-a", "-i", "/etc/network/interfaces", "--state-dir=/run/network")
}

func TestIfupdownStatic(t *testing.T) {
	testIfupdown(t, "auto eth0\niface eth0 inet static\n    address 10.0.0.111/24\n    gateway 10.0.0.1\n", "10.0.0.111/24", false)
}

func TestIfupdownDHCP(t *testing.T) {
	testIfupdown(t, "auto eth0\niface eth0 inet dhcp\n", "10.0.0.", true)
}

func testIfupdown(t *testing.T, stanza, want string, dhcp bool) {
	managertest.Need(t, "ifup", "brctl", "dhclient")
	r := newRig(t)
	os.MkdirAll(filepath.Join(r.sb.Run, "network"), 0o755)
	managertest.Ifupdown(t, r.sb, stanza, "eth0")
	st := r.waitState(t, 10*time.Second, original(want, dhcp), r.dhcp.Daemon)
	addr := strings.Fields(st.addr)[1]
	before := snapshot(t, r.sb.Etc)

	r.migrateAndPersist(t, "network/interfaces.d/test write, network/interfaces.d/rewire-br0 create, sysctl.d/90-rewire.conf create")

	start := time.Now()
	r.rebootIfupdown(t)
	// dhclient on br0 starts with no lease file of its own (it had
	// dhclient.eth0.leases), so it asks without a requested address and
	// the server may pick another (seen once in five runs): any lease
	// from the range will do for ifupdown.
	leased := addr
	if dhcp {
		leased = "10.0.0."
	}
	st = r.waitState(t, 15*time.Second, bridged(leased, dhcp), r.dhcp.Daemon)
	t.Logf("timing: simulated reboot (ifup -a) to %s (was %s): %v", st.addr, addr, time.Since(start))

	r.rollback(t)
	sameFiles(t, before, snapshot(t, r.sb.Etc))
	start = time.Now()
	r.rebootIfupdown(t)
	r.waitState(t, 15*time.Second, original(leased, dhcp), r.dhcp.Daemon)
	t.Logf("timing: rolled back, simulated reboot to eth0 with %s: %v", addr, time.Since(start))
}
