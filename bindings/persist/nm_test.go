package persist_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rewire/bindings/addr"
	"rewire/bindings/bridge"
	"rewire/bindings/host"
	"rewire/bindings/host/managertest"
	"rewire/bindings/persist"
)

// startNM starts NetworkManager (and its bus) in the rig's sandbox, with
// keyfiles written first (nil: the ones there).
func (r *rig) startNM(t *testing.T, keyfiles map[string]string) *managertest.NM {
	t.Helper()
	nm := managertest.StartNetworkManager(t, r.sb, managertest.NMOptions{Keyfiles: keyfiles})
	r.roots.Bus = nm.Bus.Addr
	return nm
}

// rebootNM is HOST-MANAGERS.md's simulated reboot: stop NetworkManager
// and its bus, /run/NetworkManager gone, br0 deleted, eth0 flushed and
// down, then NetworkManager again.
func (r *rig) rebootNM(t *testing.T, nm *managertest.NM) *managertest.NM {
	t.Helper()
	nm.Daemon.Stop()
	nm.Bus.Daemon.Stop()
	os.Remove(filepath.Join(r.sb.Run, "dbus/system_bus_socket"))
	os.RemoveAll(filepath.Join(r.sb.Run, "NetworkManager"))
	r.unplug(t)
	return r.startNM(t, nil)
}

// activated waits until NetworkManager has finished activating eth0 (the
// address is there before the device is activated). Without it, in one
// of six runs, eth0 had its lease back 300 ms after persist's reload,
// on top of br0's: NetworkManager re-adding an address it still holds as
// its own. Not seen since in 7 runs with the wait (nor in 8 without a
// reload); if it recurs, it is the migration's race with the manager.
func (r *rig) activated(t *testing.T, nm *managertest.NM) {
	t.Helper()
	managertest.Eventually(t, 10*time.Second, func() error {
		d, err := host.DeviceOf(r.Host, r.roots, "eth0")
		if err != nil {
			return err
		}
		if d.State != "activated" {
			return fmt.Errorf("eth0 is %s", d.State)
		}
		return nil
	}, nm.Daemon)
}

func TestNetworkManagerStatic(t *testing.T) {
	testNM(t, managertest.StaticKeyfile("uplink", "eth0", "10.0.0.111/24", "10.0.0.1"), "10.0.0.111/24", false)
}

func TestNetworkManagerDHCP(t *testing.T) {
	testNM(t, managertest.DHCPKeyfile("uplink", "eth0"), "10.0.0.", true)
}

func testNM(t *testing.T, uplink, want string, dhcp bool) {
	r := newRig(t)
	nm := r.startNM(t, map[string]string{"uplink.nmconnection": uplink})
	st := r.waitState(t, 10*time.Second, original(want, dhcp), nm.Daemon, r.dhcp.Daemon)
	addr := strings.Fields(st.addr)[1]
	r.activated(t, nm)
	before := snapshot(t, r.sb.Etc)

	r.migrateAndPersist(t, "NetworkManager/system-connections/br0.nmconnection create, NetworkManager/system-connections/uplink.nmconnection write, sysctl.d/90-rewire.conf create")
	kf, _ := os.ReadFile(filepath.Join(r.sb.Etc, "NetworkManager/system-connections/br0.nmconnection"))
	if !strings.Contains(string(kf), "autoconnect-slaves=1") || !strings.Contains(string(kf), "mac-address=52:54:00:AA:BB:CC") {
		t.Errorf("br0's keyfile:\n%s", kf)
	}
	// NetworkManager, told to reload, leaves the live host as it is.
	time.Sleep(300 * time.Millisecond)
	if got, _ := r.state(); got.master != "br0" || !strings.HasPrefix(got.addr, "br0 "+addr) {
		t.Errorf("after the reload: %+v", got)
	}

	start := time.Now()
	nm = r.rebootNM(t, nm)
	r.waitState(t, 15*time.Second, bridged(addr, dhcp), nm.Daemon, r.dhcp.Daemon)
	t.Logf("timing: simulated reboot to br0 with %s: %v", addr, time.Since(start))

	r.rollback(t)
	sameFiles(t, before, snapshot(t, r.sb.Etc))
	start = time.Now()
	nm = r.rebootNM(t, nm)
	r.waitState(t, 15*time.Second, original(addr, dhcp), nm.Daemon, r.dhcp.Daemon)
	t.Logf("timing: rolled back, simulated reboot to eth0 with %s: %v", addr, time.Since(start))
}

// A bridge only guests will join (S4, S5) has nothing below it: the
// host's one manager keeps it.
func TestNetworkManagerGuestBridge(t *testing.T) {
	r := newRig(t)
	nm := r.startNM(t, map[string]string{"uplink.nmconnection": managertest.StaticKeyfile("uplink", "eth0", "10.0.0.111/24", "10.0.0.1")})
	r.waitState(t, 10*time.Second, original("10.0.0.111/24", false), nm.Daemon)
	no, zero := false, 0
	must(t, bridge.Create(r.s, "virbr5", bridge.Options{STP: &no, ForwardDelay: &zero}))
	must(t, addr.Add(r.s, "virbr5", "192.168.150.1/24"))
	ws, err := persist.Save(r.s, persist.Options{Roots: &r.roots, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || ws[0].Device != "virbr5" || ws[0].Flavour != persist.FlavourNM ||
		!strings.Contains(ws[0].Content, "address1=192.168.150.1/24\n") || !strings.Contains(ws[0].Content, "method=manual") {
		t.Fatalf("%+v", ws)
	}
}
