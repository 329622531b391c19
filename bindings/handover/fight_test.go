package handover_test

import (
	"strings"
	"testing"
	"time"

	"rewire/bindings/handover"
	"rewire/bindings/host"
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

	handover.Off = true
	res, out := l.run(t, `link.set("eth0", { master = "" })`)
	handover.Off = false
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
