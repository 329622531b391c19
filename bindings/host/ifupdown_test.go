package host

import (
	"strings"
	"testing"

	"rewire/bindings/host/managertest"
)

// ifupdown 0.8: eth0 by DHCP (dhclient in the sandbox), eth1 static.
func TestIfupdown(t *testing.T) {
	l := newLab(t)
	managertest.Ifupdown(t, l.sb, "auto eth0\niface eth0 inet dhcp\n\nauto eth1\niface eth1 inet static\n  address 10.0.0.112/24\n", "eth0", "eth1")
	d, err := DeviceOf(l.Host, l.roots, "eth0")
	if err != nil {
		t.Fatal(err)
	}
	if d.Manager != Ifupdown || d.State != "up" || d.Profile != "iface eth0 inet dhcp" || d.File != "/etc/network/interfaces.d/test" {
		t.Errorf("eth0: %+v", d)
	}
	a := wantAddr(t, d, "10.0.0.", OriginDHCP, "dhclient pid ", true)
	if a.Lease != "/var/lib/dhcp/dhclient.eth0.leases" {
		t.Errorf("eth0 lease %q", a.Lease)
	}
	s, err := DeviceOf(l.Host, l.roots, "eth1")
	if err != nil {
		t.Fatal(err)
	}
	if s.Manager != Ifupdown || s.Profile != "iface eth1 inet static" {
		t.Errorf("eth1: %+v", s)
	}
	wantAddr(t, s, "10.0.0.112/24", OriginStatic, "", false)
	if u, err := DeviceOf(l.Host, l.roots, "eth2"); err != nil || u.Manager != None {
		t.Errorf("eth2: %+v %v", u, err)
	}
	ms, err := Managers(l.Host, l.roots)
	if err != nil {
		t.Fatal(err)
	}
	if m := manager(t, ms, Ifupdown); !m.Running || m.Version != "0.8.41" || strings.Join(m.Devices, ",") != "eth0,eth1" {
		t.Errorf("ifupdown: %+v", m)
	}
	timeIt(t, "ifupdown: Device(eth0)", 50, func() error { _, err := DeviceOf(l.Host, l.roots, "eth0"); return err })
}
