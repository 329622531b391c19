package host

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"rewire/bindings/host/managertest"
	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// lab is the host+LAN fixture with three NICs and no addresses — eth0
// for DHCP, eth1 for a static address, eth2 left alone — a dnsmasq on
// the LAN (10.0.0.100–200, 2-minute leases) and a sandbox for managers.
type lab struct {
	*nstest.HostLAN
	sb    *managertest.Sandbox
	dhcp  *managertest.DHCPServer
	roots Roots
}

func newLab(t *testing.T) *lab {
	t.Helper()
	h := nstest.NewHostLAN(t, nstest.LANSpec{Gateway: "10.0.0.1/24", NICs: []nstest.NIC{
		{Name: "eth0", MAC: "52:54:00:aa:bb:cc", Peer: "lan-eth0"},
		{Name: "eth1", MAC: "52:54:00:aa:bb:cd", Peer: "lan-eth1"},
		{Name: "eth2", MAC: "52:54:00:aa:bb:ce", Peer: "lan-eth2"},
	}})
	l := &lab{HostLAN: h, sb: managertest.NewSandbox(t, h.Host)}
	l.dhcp = managertest.StartDHCP(t, h.LAN, nstest.LabBridge, "10.0.0.100", "10.0.0.200")
	l.roots = Roots{Etc: l.sb.Etc, Run: l.sb.Run, Var: l.sb.Var}
	return l
}

// waitDevice polls DeviceOf until ok accepts it (bounded).
func (l *lab) waitDevice(t *testing.T, name string, timeout time.Duration, ok func(Device) string, logs ...*managertest.Daemon) Device {
	t.Helper()
	var d Device
	managertest.Eventually(t, timeout, func() error {
		var err error
		d, err = DeviceOf(l.Host, l.roots, name)
		if err != nil {
			return err
		}
		if why := ok(d); why != "" {
			return fmt.Errorf("%s: %s: %+v", name, why, d)
		}
		return nil
	}, logs...)
	return d
}

// hasAddr returns the device's address whose CIDR starts with prefix.
func hasAddr(d Device, prefix string) (Address, bool) {
	for _, a := range d.Addresses {
		if strings.HasPrefix(a.CIDR, prefix) {
			return a, true
		}
	}
	return Address{}, false
}

// leased is a waitDevice condition: a DHCP address from the LAN's range.
func leased(d Device) string {
	for _, a := range d.Addresses {
		if a.Origin == OriginDHCP && strings.HasPrefix(a.CIDR, "10.0.0.") {
			return ""
		}
	}
	return "no DHCP address yet"
}

// wantAddr checks one address of d: origin, client (prefix) and whether
// its lifetime is finite.
func wantAddr(t *testing.T, d Device, prefix, origin, client string, finite bool) Address {
	t.Helper()
	a, ok := hasAddr(d, prefix)
	if !ok {
		t.Fatalf("%s: no address %s*: %+v", d.Name, prefix, d.Addresses)
	}
	if a.Origin != origin || !strings.HasPrefix(a.Client, client) || (a.ValidLft != Forever) != finite {
		t.Errorf("%s %s: origin %q client %q valid_lft %d; want %s, client %q, finite %v", d.Name, a.CIDR, a.Origin, a.Client, a.ValidLft, origin, client, finite)
	}
	if finite && (a.ValidLft <= 0 || a.ValidLft > 120) {
		t.Errorf("%s %s: valid_lft %d, want within the 2-minute lease", d.Name, a.CIDR, a.ValidLft)
	}
	return a
}

// lua runs src with the host module on the lab's roots and returns what
// it printed, or its error.
func (l *lab) lua(t *testing.T, src string) (string, *engine.Error) {
	t.Helper()
	return runLua(t, l.Host, l.roots, src)
}

func runLua(t *testing.T, tg *target.Target, r Roots, src string) (string, *engine.Error) {
	t.Helper()
	var out bytes.Buffer
	e := engine.New(&out, ModuleAt(&tx.Session{Target: tg, Script: "test"}, &r))
	defer e.Close()
	err := e.DoString(context.Background(), src, "test.lua")
	return strings.TrimSpace(out.String()), err
}

// manager finds m in ms.
func manager(t *testing.T, ms []Manager, name string) Manager {
	t.Helper()
	for _, m := range ms {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no manager %s in %+v", name, ms)
	return Manager{}
}

// timeIt logs the mean time of n calls of f.
func timeIt(t *testing.T, what string, n int, f func() error) {
	t.Helper()
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := f(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	t.Logf("timing: %s: %v per call (mean of %d)", what, time.Since(start)/time.Duration(n), n)
}
