package host

import (
	"strings"
	"testing"
	"time"

	"rewire/bindings/host/managertest"
	"rewire/bindings/target/nstest"
)

// v6 gives the LAN an IPv6 router: RA with SLAAC and stateful DHCPv6
// (2001:db8::100–1ff) from dnsmasq on lan0.
func (l *lab) v6(t *testing.T) *managertest.DHCPServer {
	t.Helper()
	if _, err := l.LAN.Run(nil, "ip", "-6", "addr", "add", "2001:db8::1/64", "dev", nstest.LabBridge, "nodad"); err != nil {
		t.Fatal(err)
	}
	return managertest.StartDHCPv6(t, l.LAN, nstest.LabBridge, "2001:db8::100", "2001:db8::1ff")
}

// v6ready is a waitDevice condition: a SLAAC /64 and a DHCPv6 /128.
func v6ready(d Device) string {
	var slaac, dhcp6 bool
	for _, a := range d.Addresses {
		slaac = slaac || (a.Origin == OriginSLAAC && strings.HasPrefix(a.CIDR, "2001:db8::"))
		dhcp6 = dhcp6 || (a.Origin == OriginDHCPv6 && strings.HasPrefix(a.CIDR, "2001:db8::1"))
	}
	if !slaac || !dhcp6 {
		return "no SLAAC and DHCPv6 addresses yet"
	}
	return ""
}

// networkd takes a SLAAC address from the router's advertisement and
// one by DHCPv6: rewire tells them apart by the kernel's view (a /64 vs
// a /128, both dynamic) and names networkd as their client.
func TestIPv6OriginsNetworkd(t *testing.T) {
	l := newLab(t)
	d6 := l.v6(t)
	nd := managertest.StartNetworkd(t, l.sb, map[string]string{
		"10-eth0.network": "[Match]\nName=eth0\n[Network]\nDHCP=ipv6\nIPv6AcceptRA=yes\n[DHCPv6]\nUseHostname=no\n",
	})
	d := l.waitDevice(t, "eth0", 15*time.Second, v6ready, nd.Daemon, d6.Daemon)
	for _, a := range d.Addresses {
		switch a.Origin {
		case OriginSLAAC, OriginDHCPv6:
			if a.Client != Networkd || a.ValidLft == Forever {
				t.Errorf("%s %s: client %q valid_lft %d", a.CIDR, a.Origin, a.Client, a.ValidLft)
			}
		case OriginLink:
		default:
			t.Errorf("eth0 address %+v", a)
		}
	}
	t.Logf("eth0: %+v", d.Addresses)
}

// NetworkManager with ipv6.method=auto: SLAAC and DHCPv6 (the router's
// managed flag) on the same link.
func TestIPv6OriginsNetworkManager(t *testing.T) {
	l := newLab(t)
	d6 := l.v6(t)
	nm := managertest.StartNetworkManager(t, l.sb, managertest.NMOptions{Keyfiles: map[string]string{
		"uplink.nmconnection": "[connection]\nid=uplink\ntype=ethernet\ninterface-name=eth0\n\n[ipv4]\nmethod=disabled\n\n[ipv6]\nmethod=auto\naddr-gen-mode=eui64\n",
	}})
	l.roots.Bus = nm.Bus.Addr
	d := l.waitDevice(t, "eth0", 15*time.Second, v6ready, nm.Daemon, d6.Daemon)
	for _, a := range d.Addresses {
		switch a.Origin {
		case OriginSLAAC, OriginDHCPv6:
			if !strings.HasPrefix(a.Client, NetworkManager) || a.ValidLft == Forever {
				t.Errorf("%s %s: client %q valid_lft %d", a.CIDR, a.Origin, a.Client, a.ValidLft)
			}
		case OriginLink:
		default:
			t.Errorf("eth0 address %+v", a)
		}
	}
	t.Logf("eth0: %+v", d.Addresses)
}
