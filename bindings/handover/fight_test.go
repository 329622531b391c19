package handover_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"rewire/bindings/handover"
	"rewire/bindings/host"
	"rewire/bindings/host/managertest"
)

// networkdBridge is a host whose networkd puts eth0 in its bridge br0.
var networkdBridge = map[string]string{
	"10-br0.netdev":   "[NetDev]\nName=br0\nKind=bridge\n",
	"20-eth0.network": "[Match]\nName=eth0\n[Network]\nBridge=br0\nLinkLocalAddressing=no\n",
	"30-br0.network":  "[Match]\nName=br0\n[Network]\nAddress=10.0.0.50/24\nLinkLocalAddressing=no\n",
}

// Why the hand-over exists: networkd undoes a foreign `ip link set eth0
// nomaster` within a second. Taken over first (a runtime
// `[Link] Unmanaged=yes` for eth0 and a reload), eth0 stays out; rollback
// gives it back and networkd puts it in br0 again.
func TestNetworkdFightsWithoutHandover(t *testing.T) {
	l := newLab(t)
	nd := l.networkd(t, networkdBridge)
	waitMaster := func(want string, within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for l.master(t, "eth0") != want {
			if time.Since(start) > within {
				t.Fatalf("eth0's master is %q %v later, want %q\n%s", l.master(t, "eth0"), within, want, nd.Daemon.Tail())
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Since(start)
	}
	waitMaster("br0", 10*time.Second)

	restore := handover.Disable(l.Host)
	res, out := l.run(t, `link.set("eth0", { master = "" })`)
	restore()
	if res.Err != nil {
		t.Fatalf("run: %v\n%s", res.Err, out)
	}
	t.Logf("without the hand-over networkd put eth0 back in br0 after %v", waitMaster("br0", time.Second))
	l.rollback(t, res.TxID)

	res, out = l.run(t, `link.set("eth0", { master = "" })`)
	if res.Err != nil {
		t.Fatalf("run: %v\n%s", res.Err, out)
	}
	if !strings.Contains(out, "+ hand eth0 over from systemd-networkd") || len(res.Steps) != 2 {
		t.Errorf("changes:\n%s", out)
	}
	time.Sleep(2 * time.Second)
	if m := l.master(t, "eth0"); m != "" {
		t.Fatalf("networkd took eth0 back into %s despite the hand-over\n%s", m, nd.Daemon.Tail())
	}
	if d, err := host.DeviceOf(l.Host, l.roots(), "eth0"); err != nil || d.Manager != host.None {
		t.Errorf("eth0 during the change: %+v %v; want manager none", d, err)
	}
	took := l.rollback(t, res.TxID)
	l.device(t, "eth0", 5*time.Second, func(d host.Device) string {
		if d.Manager != host.Networkd || d.Profile != "/etc/systemd/network/20-eth0.network" {
			return "not networkd's"
		}
		return ""
	}, nd.Daemon)
	waitMaster("br0", time.Second)
	t.Logf("rollback %v; networkd owns eth0 again, in br0", took)
}

// NetworkManager runs but its bus cannot be reached: one line naming the
// manager and the device (kind system), and nothing changes.
func TestUnreachableManagerChangesNothing(t *testing.T) {
	l := newLab(t)
	nm := startNM(t, l)
	l.device(t, "eth0", 10*time.Second, leasedBy(host.NetworkManager), nm.Daemon, l.dhcp.Daemon)
	r := l.roots()
	r.Bus = "unix:path=" + l.sb.Dir + "/no-bus"
	l.setRoots(r)
	res, out := l.run(t, `addr.add("eth0", "10.0.0.50/24")`)
	if res.Err == nil || res.Err.Kind != "system" || !strings.Contains(res.Err.Message, "NetworkManager") || !strings.Contains(res.Err.Error(), "eth0") || strings.Contains(res.Err.Message, "\n") {
		t.Fatalf("unreachable bus: %v (kind %s)\n%s", res.Err, res.Err.Kind, out)
	}
	t.Logf("unreachable bus: %v", res.Err)
	if len(res.Steps) != 0 {
		t.Errorf("%d changes made", len(res.Steps))
	}
	r.Bus = nm.Bus.Addr
	l.setRoots(r)
	d := l.device(t, "eth0", time.Second, leasedBy(host.NetworkManager))
	if _, ok := hasCIDR(d, "10.0.0.50/24"); ok || d.State != "activated" {
		t.Errorf("eth0 changed: %+v", d)
	}
}

func hasCIDR(d host.Device, cidr string) (host.Address, bool) {
	for _, a := range d.Addresses {
		if a.CIDR == cidr {
			return a, true
		}
	}
	return host.Address{}, false
}

// Why the lease must move with its client: the same moves on
// NetworkManager's DHCP eth0 without the hand-over. NM renews through the
// port in vain (T1, T2), the lease expires (and with it the copy on br0),
// and 45 s later NM fails eth0, releases it from br0 and starts DHCP on
// the port again, for ever. Up to 3 minutes; -short skips it.
func TestNetworkManagerReleasesWithoutHandover(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for NetworkManager to give up the lease (up to 3 minutes)")
	}
	t.Parallel()
	l := newLab(t)
	nm := startNM(t, l)
	l.device(t, "eth0", 15*time.Second, leasedBy(host.NetworkManager), nm.Daemon, l.dhcp.Daemon)
	restore := handover.Disable(l.Host)
	res, out := l.run(t, natToBridge)
	restore()
	if res.Err != nil {
		t.Fatalf("run: %v\n%s", res.Err, out)
	}
	if strings.Contains(out, "hand eth0 over") {
		t.Fatalf("handed over though disabled:\n%s", out)
	}
	start := time.Now()
	var d host.Device
	managertest.Eventually(t, 180*time.Second, func() error {
		time.Sleep(time.Second)
		var err error
		if d, err = host.DeviceOf(l.Host, l.roots(), "eth0"); err != nil || d.State == "activated" {
			return os.ErrDeadlineExceeded
		}
		return nil
	}, nm.Daemon)
	br, _ := host.DeviceOf(l.Host, l.roots(), "br0")
	t.Logf("without the hand-over NetworkManager failed eth0 %v after the move (now %s, profile %s; br0's addresses %v)", time.Since(start).Round(time.Second), d.State, d.Profile, br.Addresses)
	if log, _ := os.ReadFile(nm.Daemon.Log); !strings.Contains(string(log), "device (eth0): released from master device br0") {
		t.Error("NetworkManager's log does not say it released eth0 from br0")
	}
	// NM moved under the change: the rollback does what it can.
	if rep, err := l.store.RollbackCommitted(res.TxID, true, nil); err != nil || rep.Err() != nil {
		t.Logf("rollback after the fight: %v %v", err, rep.Err())
	}
}
