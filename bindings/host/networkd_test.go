package host

import (
	"strings"
	"testing"
	"time"

	"rewire/bindings/host/managertest"
)

// systemd-networkd 252 standalone: eth0 by DHCP, eth1 static, eth2 no
// .network file.
func TestNetworkd(t *testing.T) {
	l := newLab(t)
	nd := managertest.StartNetworkd(t, l.sb, map[string]string{
		"10-eth0.network": "[Match]\nName=eth0\n[Network]\nDHCP=ipv4\nLinkLocalAddressing=no\n[DHCPv4]\nUseHostname=no\n",
		"20-eth1.network": "[Match]\nName=eth1\n[Network]\nAddress=10.0.0.112/24\nLinkLocalAddressing=no\n",
	})
	d := l.waitDevice(t, "eth0", 10*time.Second, func(d Device) string {
		if !strings.HasPrefix(d.State, "configured/") {
			return "not configured yet" // networkd writes its state after the address
		}
		return leased(d)
	}, nd.Daemon, l.dhcp.Daemon)
	if d.Manager != Networkd || d.Profile != "/etc/systemd/network/10-eth0.network" {
		t.Errorf("eth0: %+v", d)
	}
	a := wantAddr(t, d, "10.0.0.", OriginDHCP, Networkd, true)
	if a.Lease != "/run/systemd/netif/leases/2" {
		t.Errorf("eth0 lease %q", a.Lease)
	}
	s := l.waitDevice(t, "eth1", 5*time.Second, func(d Device) string {
		if !strings.HasPrefix(d.State, "configured/") {
			return "not configured"
		}
		return ""
	}, nd.Daemon)
	if s.Manager != Networkd || s.Profile != "/etc/systemd/network/20-eth1.network" {
		t.Errorf("eth1: %+v", s)
	}
	wantAddr(t, s, "10.0.0.112/24", OriginStatic, "", false)
	if u, err := DeviceOf(l.Host, l.roots, "eth2"); err != nil || u.Manager != None {
		t.Errorf("eth2: %+v %v; want manager none", u, err)
	}

	ms, err := Managers(l.Host, l.roots)
	if err != nil {
		t.Fatal(err)
	}
	m := manager(t, ms, Networkd)
	if !m.Running || !strings.HasPrefix(m.Version, "252") || strings.Join(m.Devices, ",") != "eth0,eth1" {
		t.Errorf("networkd: %+v", m)
	}
	if n := manager(t, ms, NetworkManager); n.Running {
		t.Errorf("NetworkManager: %+v", n)
	}
	timeIt(t, "networkd: Device(eth0)", 50, func() error { _, err := DeviceOf(l.Host, l.roots, "eth0"); return err })
	timeIt(t, "networkd: Managers()", 50, func() error { _, err := Managers(l.Host, l.roots); return err })

	out, lerr := l.lua(t, `local d = host.device("eth0") print(d.manager, d.profile, d.addresses[1].origin, d.addresses[1].client)`)
	if lerr != nil || out != "systemd-networkd\t/etc/systemd/network/10-eth0.network\tdhcp\tsystemd-networkd" {
		t.Errorf("lua: %q %v", out, lerr)
	}
}

// netplan 0.106 with the networkd renderer: `netplan generate
// --root-dir` writes run/systemd/network/10-netplan-*.network, networkd
// applies it.
func TestNetplanNetworkd(t *testing.T) {
	l := newLab(t)
	managertest.NetplanGenerate(t, l.sb, map[string]string{"01-host.yaml": `network:
  version: 2
  renderer: networkd
  ethernets:
    eth0:
      dhcp4: true
      dhcp6: false
      link-local: []
    eth1:
      addresses: [10.0.0.112/24]
      link-local: []
`})
	nd := managertest.StartNetworkd(t, l.sb, nil)
	d := l.waitDevice(t, "eth0", 10*time.Second, func(d Device) string {
		if d.Manager != Networkd {
			return "not networkd's yet"
		}
		return leased(d)
	}, nd.Daemon, l.dhcp.Daemon)
	if d.Frontend != Netplan || d.Profile != "/run/systemd/network/10-netplan-eth0.network" || d.Source != "/etc/netplan/01-host.yaml" {
		t.Errorf("eth0: %+v", d)
	}
	wantAddr(t, d, "10.0.0.", OriginDHCP, Networkd, true)
	s := l.waitDevice(t, "eth1", 5*time.Second, func(d Device) string {
		if _, ok := hasAddr(d, "10.0.0.112/24"); !ok || d.Manager != Networkd {
			return "no address yet"
		}
		return ""
	}, nd.Daemon)
	if s.Frontend != Netplan || s.Source != "/etc/netplan/01-host.yaml" {
		t.Errorf("eth1: %+v", s)
	}
	wantAddr(t, s, "10.0.0.112/24", OriginStatic, "", false)
	ms, err := Managers(l.Host, l.roots)
	if err != nil {
		t.Fatal(err)
	}
	if m := manager(t, ms, Netplan); !m.Running || strings.Join(m.Devices, ",") != "eth0,eth1" {
		t.Errorf("netplan: %+v", m)
	}
}
