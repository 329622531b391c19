package main

import (
	"bytes"
	"testing"

	"rewire/bindings/host"
)

func TestStatusLines(t *testing.T) {
	var b bytes.Buffer
	writeDevices(&b, []host.Device{
		{Name: "eth0", Manager: host.NetworkManager, State: "activated", Profile: "uplink",
			Addresses: []host.Address{{CIDR: "10.0.0.161/24", Origin: host.OriginDHCP, Client: "NetworkManager", ValidLft: 119}}},
		{Name: "eth1", Manager: host.Networkd, Frontend: host.Netplan, State: "configured/routable", Profile: "/run/systemd/network/10-netplan-eth1.network",
			Addresses: []host.Address{{CIDR: "10.0.0.112/24", Origin: host.OriginStatic, ValidLft: host.Forever}}, Zone: "public"},
		{Name: "eth2", Manager: host.None, State: "up"},
	})
	want := "DEVICE  MANAGER                     STATE                PROFILE                                       ADDRESSES\n" +
		"eth0    NetworkManager              activated            uplink                                        10.0.0.161/24 dhcp by NetworkManager 119s left\n" +
		"eth1    systemd-networkd (netplan)  configured/routable  /run/systemd/network/10-netplan-eth1.network  10.0.0.112/24 static, zone public\n" +
		"eth2    none                        up                   -                                             \n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if got := managersLine([]host.Manager{{Name: "NetworkManager", Version: "1.42.4", Running: true}, {Name: "ifupdown", Version: "0.8.41"}}); got != "managers: NetworkManager 1.42.4" {
		t.Errorf("managers line %q", got)
	}
}
