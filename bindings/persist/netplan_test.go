package persist_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rewire/bindings/host"
	"rewire/bindings/host/managertest"
)

// netplan with the networkd renderer: the YAML is generated into
// run/systemd/network, which the standalone networkd applies.
func TestNetplanStatic(t *testing.T) {
	testNetplan(t, "network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [10.0.0.111/24]\n      routes:\n        - to: default\n          via: 10.0.0.1\n      nameservers:\n        addresses: [10.0.0.1]\n", "10.0.0.111/24", false)
}

func TestNetplanDHCP(t *testing.T) {
	testNetplan(t, "network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n      dhcp4-overrides:\n        use-hostname: false\n", "10.0.0.", true)
}

func testNetplan(t *testing.T, yaml, want string, dhcp bool) {
	r := newRig(t)
	generate := func() {
		os.RemoveAll(filepath.Join(r.sb.Run, "systemd/network"))
		managertest.NetplanGenerate(t, r.sb, nil)
	}
	managertest.NetplanGenerate(t, r.sb, map[string]string{"01-netcfg.yaml": yaml})
	nd := managertest.StartNetworkd(t, r.sb, nil)
	st := r.waitState(t, 10*time.Second, original(want, dhcp), nd.Daemon, r.dhcp.Daemon)
	addr := strings.Fields(st.addr)[1]
	before := snapshot(t, r.sb.Etc)

	r.migrateAndPersist(t, "netplan/01-netcfg.yaml write, netplan/90-rewire.yaml create, sysctl.d/90-rewire.conf create")

	start := time.Now()
	nd = r.rebootNetworkd(t, nd, generate)
	r.waitState(t, 15*time.Second, bridged(addr, dhcp), nd.Daemon, r.dhcp.Daemon)
	t.Logf("timing: simulated reboot (netplan generate + networkd) to br0 with %s: %v", addr, time.Since(start))

	r.rollback(t)
	sameFiles(t, before, snapshot(t, r.sb.Etc))
	start = time.Now()
	nd = r.rebootNetworkd(t, nd, generate)
	r.waitState(t, 15*time.Second, original(addr, dhcp), nd.Daemon, r.dhcp.Daemon)
	t.Logf("timing: rolled back, simulated reboot to eth0 with %s: %v", addr, time.Since(start))
}

// netplan with the NetworkManager renderer: netplan generate writes
// run/NetworkManager/system-connections/netplan-*.nmconnection, which
// NetworkManager reads; a reboot regenerates them from the YAML.
func TestNetplanNetworkManagerDHCP(t *testing.T) {
	r := newRig(t)
	yaml := "network:\n  version: 2\n  renderer: NetworkManager\n  ethernets:\n    eth0:\n      dhcp4: true\n      dhcp6: false\n      link-local: []\n"
	managertest.NetplanGenerate(t, r.sb, map[string]string{"01-nm.yaml": yaml})
	nm := r.startNM(t, nil)
	st := r.waitState(t, 10*time.Second, original("10.0.0.", true), nm.Daemon, r.dhcp.Daemon)
	addr := strings.Fields(st.addr)[1]
	r.activated(t, nm)
	before := snapshot(t, r.sb.Etc)

	r.migrate(t)
	if d, err := host.DeviceOf(r.Host, r.roots, "br0"); err == nil {
		t.Logf("NetworkManager on br0 before persist: manager %s, state %s, profile %q, file %q", d.Manager, d.State, d.Profile, d.File)
	}
	ws := r.persist(t)
	var paths []string
	for _, w := range ws {
		paths = append(paths, strings.TrimPrefix(w.Path, r.sb.Etc+"/")+" "+w.Action)
	}
	if got := strings.Join(paths, ", "); got != "netplan/01-nm.yaml write, netplan/90-rewire.yaml create, sysctl.d/90-rewire.conf create" {
		t.Errorf("written: %s", got)
	}
	reboot := func() {
		nm.Daemon.Stop()
		nm.Bus.Daemon.Stop()
		os.Remove(filepath.Join(r.sb.Run, "dbus/system_bus_socket"))
		os.RemoveAll(filepath.Join(r.sb.Run, "NetworkManager"))
		r.unplug(t)
		managertest.NetplanGenerate(t, r.sb, nil)
		nm = r.startNM(t, nil)
	}
	start := time.Now()
	reboot()
	r.waitState(t, 15*time.Second, bridged(addr, true), nm.Daemon, r.dhcp.Daemon)
	t.Logf("timing: simulated reboot (netplan generate + NetworkManager) to br0 with %s: %v", addr, time.Since(start))

	r.rollback(t)
	sameFiles(t, before, snapshot(t, r.sb.Etc))
	start = time.Now()
	reboot()
	r.waitState(t, 15*time.Second, original(addr, true), nm.Daemon, r.dhcp.Daemon)
	t.Logf("timing: rolled back, simulated reboot to eth0 with %s: %v", addr, time.Since(start))
}
