package plan

import (
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// kvmHost builds a host like SCENARIOS.md S1+S2 in a fresh namespace:
// eth0 (a veth to a second namespace) 10.0.0.111/24 default via 10.0.0.1,
// virbr0 (stp on, delay 0) 192.168.122.1/24 holding a tap-like vnet0,
// eth1 down with an address, a route in table 100, ip_forward=1 and a
// MASQUERADE rule.
func kvmHost(t *testing.T) *target.Target {
	t.Helper()
	host, lan := nstest.New(t), nstest.New(t)
	must(t, writeSysctl(host, "net/ipv6/conf/default/accept_dad", "0"))
	h, err := host.Handle()
	must(t, err)
	lanNS, err := netns.GetFromPath(lan.NetnsPath)
	must(t, err)
	defer lanNS.Close()
	mac, _ := net.ParseMAC("52:54:00:aa:bb:cc")
	must(t, h.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "eth0", HardwareAddr: mac, MTU: 1400},
		PeerName: "lan-eth0", PeerNamespace: netlink.NsFd(int(lanNS))}))
	tapMAC, _ := net.ParseMAC("fe:54:00:0c:8b:d2")
	must(t, h.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "vnet0", HardwareAddr: tapMAC},
		PeerName: "guest0", PeerNamespace: netlink.NsFd(int(lanNS))}))
	must(t, h.LinkAdd(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "virbr0"}}))
	must(t, h.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "eth1"}, PeerName: "lan-eth1", PeerNamespace: netlink.NsFd(int(lanNS))}))
	eth0, _ := h.LinkByName("eth0")
	_, err = host.Run(nil, "ip", "link", "set", "virbr0", "type", "bridge", "forward_delay", "0", "stp_state", "1")
	must(t, err)
	vnet0, _ := h.LinkByName("vnet0")
	br, _ := h.LinkByName("virbr0")
	must(t, h.LinkSetMaster(vnet0, br))
	for _, c := range [][2]string{{"eth0", "10.0.0.111/24"}, {"virbr0", "192.168.122.1/24"}, {"eth1", "10.10.0.2/24"}, {"eth0", "10.0.0.112/24"}} {
		l, _ := h.LinkByName(c[0])
		a, _ := netlink.ParseAddr(c[1])
		must(t, h.AddrAdd(l, a))
	}
	lh, err := lan.Handle()
	must(t, err)
	for _, n := range []string{"lan-eth0", "lan-eth1", "guest0"} {
		l, _ := lh.LinkByName(n)
		must(t, lh.LinkSetUp(l))
	}
	for _, n := range []string{"eth0", "vnet0", "virbr0"} {
		l, _ := h.LinkByName(n)
		must(t, h.LinkSetUp(l))
	}
	must(t, h.RouteAdd(&netlink.Route{LinkIndex: eth0.Attrs().Index, Gw: net.ParseIP("10.0.0.1")}))
	_, dst, _ := net.ParseCIDR("172.16.0.0/16")
	must(t, h.RouteAdd(&netlink.Route{LinkIndex: eth0.Attrs().Index, Gw: net.ParseIP("10.0.0.254"), Dst: dst, Table: 100}))
	must(t, writeSysctl(host, "net/ipv4/ip_forward", "1"))
	_, err = host.Run(nil, "iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "192.168.122.0/24", "!", "-d", "192.168.122.0/24", "-j", "MASQUERADE")
	must(t, err)
	return host
}

// A replica has the host's links, addresses, routes of every table,
// forwarding and firewall; building it changes nothing on the host, and
// closing it leaves no namespace behind.
func TestReplicaCopiesTheHost(t *testing.T) {
	host := kvmHost(t)
	before := netState(t, host)
	dir := t.TempDir()
	r, err := NewReplica(host, dir)
	must(t, err)
	got := netState(t, r.Target)
	r.Close()
	if got != before {
		t.Fatalf("replica differs from the host:\nhost:\n%s\nreplica:\n%s", before, got)
	}
	if after := netState(t, host); after != before {
		t.Fatalf("building a replica changed the host:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	for _, p := range []string{"netns-host", "netns-peers"} {
		if target.IsNS(filepath.Join(dir, p)) {
			t.Fatalf("%s still bound after Close", p)
		}
	}
	for _, want := range []string{"link virbr0 bridge mac=", "stp=true", "table 100", "link eth1 nic mac=", "MASQUERADE"} {
		if !strings.Contains(got, want) {
			t.Fatalf("state lacks %q:\n%s", want, got)
		}
	}
}

// The copy's veths have carrier, as the host's NICs do: a recipe's
// bridge ports forward in the replica.
func TestReplicaLinksHaveCarrier(t *testing.T) {
	host := kvmHost(t)
	r, err := NewReplica(host, t.TempDir())
	must(t, err)
	defer r.Close()
	l, err := r.LinkByName("eth0")
	must(t, err)
	if l.Attrs().OperState != netlink.OperUp {
		t.Fatalf("eth0 in the replica is %s, not up", l.Attrs().OperState)
	}
}
