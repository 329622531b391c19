package host

import (
	"strings"
	"testing"
	"time"

	"rewire/bindings/errkind"
	"rewire/bindings/host/managertest"
)

// NetworkManager 1.42 on a private bus: eth0 leased over DHCP from the
// LAN's dnsmasq, eth1 static from a keyfile, eth2 unmanaged.
func TestNetworkManager(t *testing.T) {
	l := newLab(t)
	// ifupdown's stanza for eth0 (NM's ifupdown plugin is off): a claim.
	l.sb.WriteFile("etc/network/interfaces.d/eth0", "allow-hotplug eth0\niface eth0 inet dhcp\n", 0o644)
	nm := managertest.StartNetworkManager(t, l.sb, managertest.NMOptions{
		Keyfiles: map[string]string{
			"uplink.nmconnection":  managertest.DHCPKeyfile("uplink", "eth0"),
			"static1.nmconnection": managertest.StaticKeyfile("static1", "eth1", "10.0.0.112/24", ""),
		},
		Unmanaged: []string{"eth2"},
	})
	l.roots.Bus = nm.Bus.Addr
	d := l.waitDevice(t, "eth0", 10*time.Second, func(d Device) string {
		if d.State != "activated" {
			return "not activated"
		}
		return leased(d)
	}, nm.Daemon, l.dhcp.Daemon)
	if d.Manager != NetworkManager || d.Profile != "uplink" || d.UUID == "" || d.File != "/etc/NetworkManager/system-connections/uplink.nmconnection" {
		t.Errorf("eth0: %+v", d)
	}
	if len(d.Claims) != 1 || d.Claims[0] != Ifupdown {
		t.Errorf("eth0 claims %v, want [ifupdown]", d.Claims)
	}
	a := wantAddr(t, d, "10.0.0.", OriginDHCP, NetworkManager, true)
	if !strings.HasPrefix(a.Lease, "/var/lib/NetworkManager/internal-"+d.UUID) {
		t.Errorf("eth0 lease file %q", a.Lease)
	}

	s := l.waitDevice(t, "eth1", 5*time.Second, func(d Device) string {
		if d.State != "activated" {
			return "not activated"
		}
		return ""
	}, nm.Daemon)
	if s.Manager != NetworkManager || s.Profile != "static1" {
		t.Errorf("eth1: %+v", s)
	}
	wantAddr(t, s, "10.0.0.112/24", OriginStatic, "", false)

	u, err := DeviceOf(l.Host, l.roots, "eth2")
	if err != nil || u.Manager != None || u.State != "unmanaged" {
		t.Errorf("eth2: %+v %v; want manager none, state unmanaged", u, err)
	}

	ms, err := Managers(l.Host, l.roots)
	if err != nil {
		t.Fatal(err)
	}
	m := manager(t, ms, NetworkManager)
	if !m.Running || m.Version != "1.42.4" || strings.Join(m.Devices, ",") != "lo,eth0,eth1" {
		t.Errorf("NetworkManager: %+v", m)
	}
	if nd := manager(t, ms, Networkd); nd.Running || len(nd.Devices) != 0 {
		t.Errorf("networkd: %+v", nd)
	}

	out, lerr := l.lua(t, `local d = host.device("eth0")
local a = d.addresses[1]
print(d.name, d.manager, d.state, d.profile, a.origin, a.client, type(a.valid_lft))
local s = host.device("eth1")
print(s.addresses[1].cidr, s.addresses[1].origin, s.addresses[1].valid_lft)
for _, m in ipairs(host.managers()) do if m.running then print(m.name, m.version, table.concat(m.devices, ",")) end end
local ok, e = pcall(host.device, "eth9")
print(e.kind)`)
	if lerr != nil {
		t.Fatal(lerr)
	}
	want := "eth0\tNetworkManager\tactivated\tuplink\tdhcp\tNetworkManager\tnumber\n" +
		"10.0.0.112/24\tstatic\tforever\n" +
		"NetworkManager\t1.42.4\tlo,eth0,eth1\n" +
		"not_found"
	if out != want {
		t.Errorf("lua printed\n%s\nwant\n%s", out, want)
	}

	timeIt(t, "NetworkManager: Device(eth0)", 50, func() error { _, err := DeviceOf(l.Host, l.roots, "eth0"); return err })
	timeIt(t, "NetworkManager: Managers()", 50, func() error { _, err := Managers(l.Host, l.roots); return err })

	// NetworkManager runs, its bus cannot be reached: one line, kind system.
	bad := l.roots
	bad.Bus = "unix:path=" + l.sb.Dir + "/no-bus"
	_, err = DeviceOf(l.Host, bad, "eth0")
	if errkind.Of(err) != errkind.KindSystem || !strings.Contains(err.Error(), "NetworkManager") || !strings.Contains(err.Error(), "eth0") || strings.Contains(err.Error(), "\n") {
		t.Errorf("unreachable bus: %v (kind %s)", err, errkind.Of(err))
	}
	nm.Bus.Daemon.Stop()
	_, lerr = l.lua(t, `host.device("eth0")`)
	if lerr == nil || lerr.Kind != errkind.KindSystem || !strings.Contains(lerr.Message, "NetworkManager runs but its D-Bus is unreachable") || !strings.Contains(lerr.Error(), "eth0") {
		t.Errorf("bus stopped: %v", lerr)
	} else {
		t.Logf("bus stopped: %v", lerr)
	}
}

// netplan with the NetworkManager renderer: `netplan generate` writes
// run/NetworkManager/system-connections/netplan-eth0.nmconnection, which
// NM's keyfile plugin reads from /run.
func TestNetplanNetworkManager(t *testing.T) {
	l := newLab(t)
	managertest.NetplanGenerate(t, l.sb, map[string]string{"01-nm.yaml": "network:\n  version: 2\n  renderer: NetworkManager\n  ethernets:\n    eth0:\n      dhcp4: true\n      dhcp6: false\n      link-local: []\n"})
	nm := managertest.StartNetworkManager(t, l.sb, managertest.NMOptions{})
	l.roots.Bus = nm.Bus.Addr
	d := l.waitDevice(t, "eth0", 10*time.Second, func(d Device) string {
		if d.State != "activated" {
			return "not activated"
		}
		return leased(d)
	}, nm.Daemon, l.dhcp.Daemon)
	if d.Manager != NetworkManager || d.Frontend != Netplan || d.File != "/run/NetworkManager/system-connections/netplan-eth0.nmconnection" || d.Source != "/etc/netplan/01-nm.yaml" {
		t.Errorf("eth0: %+v", d)
	}
	wantAddr(t, d, "10.0.0.", OriginDHCP, NetworkManager, true)
}
