package handover_test

import (
	"testing"

	"rewire/bindings/host"
	"rewire/bindings/host/managertest"
)

// uplink is a host's eth0 as one manager configures it: by DHCP from
// the LAN's dnsmasq, or static (staticCIDR via the LAN's gateway).
type uplink struct {
	name    string
	manager string // who owns eth0 (netplan feeds networkd)
	netplan bool
	dhcp    bool
	// start starts the manager with eth0's profile; it returns the
	// manager's logs (for failure messages).
	start func(t *testing.T, l *lab, dhcp bool) []*managertest.Daemon
}

const staticCIDR = "10.0.0.112/24"

var uplinks = []uplink{
	{name: "NetworkManager", manager: host.NetworkManager, start: startNMUplink},
	{name: "networkd", manager: host.Networkd, start: startNetworkdUplink},
	{name: "netplan-networkd", manager: host.Networkd, netplan: true, start: startNetplanUplink},
	{name: "ifupdown", manager: host.Ifupdown, start: startIfupdownUplink},
}

func startNMUplink(t *testing.T, l *lab, dhcp bool) []*managertest.Daemon {
	profile := managertest.DHCPKeyfile("uplink", "eth0")
	if !dhcp {
		profile = managertest.StaticKeyfile("uplink", "eth0", staticCIDR, "10.0.0.1")
	}
	return []*managertest.Daemon{startNMWith(t, l, profile).Daemon}
}

func startNetworkdUplink(t *testing.T, l *lab, dhcp bool) []*managertest.Daemon {
	body := dhcpNetwork
	if !dhcp {
		body = "[Match]\nName=eth0\n[Network]\nAddress=" + staticCIDR + "\nGateway=10.0.0.1\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n"
	}
	return []*managertest.Daemon{l.networkd(t, map[string]string{"10-eth0.network": body}).Daemon}
}

// startNetplanUplink is netplan's YAML for eth0 with the networkd
// renderer, generated into /run/systemd/network, and networkd reading it.
func startNetplanUplink(t *testing.T, l *lab, dhcp bool) []*managertest.Daemon {
	eth0 := "      dhcp4: true\n      dhcp6: false\n      link-local: []\n"
	if !dhcp {
		eth0 = "      addresses: [" + staticCIDR + "]\n      routes: [{to: default, via: 10.0.0.1}]\n      link-local: []\n      accept-ra: false\n"
	}
	managertest.NetplanGenerate(t, l.sb, map[string]string{
		"01-uplink.yaml": "network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    eth0:\n" + eth0,
	})
	return []*managertest.Daemon{l.networkd(t, nil).Daemon}
}

func startIfupdownUplink(t *testing.T, l *lab, dhcp bool) []*managertest.Daemon {
	stanza := "iface eth0 inet dhcp\n"
	if !dhcp {
		stanza = "iface eth0 inet static\n  address " + staticCIDR + "\n  gateway 10.0.0.1\n"
	}
	managertest.Ifupdown(t, l.sb, stanza, "eth0")
	return nil
}

// owned accepts eth0 owned by u's manager (through netplan when u says
// so) with its address: a lease from the manager's client, or the
// static address.
func (u uplink) owned(dhcp bool) func(host.Device) string {
	return func(d host.Device) string {
		if d.Manager != u.manager {
			return "not " + u.manager + "'s"
		}
		if u.netplan != (d.Frontend == host.Netplan) {
			return "frontend " + d.Frontend
		}
		if dhcp {
			if a, ok := lease(d); !ok || !leaseOf(a, u.manager) {
				return "no lease from " + u.manager
			}
			return ""
		}
		if a, ok := hasCIDR(d, staticCIDR); !ok || a.Origin != host.OriginStatic {
			return "no static " + staticCIDR
		}
		return ""
	}
}
