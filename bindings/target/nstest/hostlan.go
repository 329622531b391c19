package nstest

import (
	"net"
	"testing"

	"github.com/vishvananda/netlink"

	"rewire/bindings/target"
)

// HostLAN is the lab in miniature (cmd/rewire/internal/lab builds it full
// size): a host namespace whose NICs are veths to ports of bridge lan0 in
// a LAN namespace, which holds the gateway; the host's default route goes
// via the gateway over its first NIC with an address.
type HostLAN struct {
	Host, LAN *target.Target
}

// NIC is one NIC of a HostLAN's host.
type NIC struct {
	Name, MAC string // in the host; MAC "" is the kernel's
	Peer      string // its other end, a port of lan0
	CIDR      string // the host's address on it; "" for none
}

// LANSpec lays a HostLAN out.
type LANSpec struct {
	Gateway string // the LAN's address on lan0, as "10.0.0.1/24"
	NICs    []NIC
	// Setup, if set, runs in both namespaces before any link is made:
	// the sysctls new links take (no IPv6, no duplicate address detection).
	Setup func(*target.Target) error
}

// LabBridge is the LAN's bridge.
const LabBridge = "lan0"

// LabSpec is the lab's own layout: eth0 (52:54:00:aa:bb:cc, 10.0.0.111/24)
// to port lan-eth0 of lan0, which holds the gateway 10.0.0.1/24.
func LabSpec() LANSpec {
	return LANSpec{Gateway: "10.0.0.1/24", NICs: []NIC{{Name: "eth0", MAC: "52:54:00:aa:bb:cc", Peer: "lan-eth0", CIDR: "10.0.0.111/24"}}}
}

// NewHostLAN builds a HostLAN in two fresh namespaces, all links up; they
// go when the test ends.
func NewHostLAN(t testing.TB, spec LANSpec) *HostLAN {
	t.Helper()
	h := &HostLAN{Host: New(t), LAN: New(t)}
	if spec.Setup != nil {
		for _, tg := range []*target.Target{h.Host, h.LAN} {
			must(t, spec.Setup(tg))
		}
	}
	hh, err := h.Host.Handle()
	must(t, err)
	lh, err := h.LAN.Handle()
	must(t, err)
	must(t, lh.LinkAdd(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: LabBridge}}))
	br, err := lh.LinkByName(LabBridge)
	must(t, err)
	gw := addAddr(t, lh, br, spec.Gateway)
	must(t, lh.LinkSetUp(br))
	routed := false
	var nics, ports []string
	for _, n := range spec.NICs {
		nics, ports = append(nics, n.Name), append(ports, n.Peer)
		Veth(t, h.Host, n.Name, h.LAN, n.Peer)
		port, err := lh.LinkByName(n.Peer)
		must(t, err)
		must(t, lh.LinkSetMaster(port, br))
		must(t, lh.LinkSetUp(port))
		nic, err := hh.LinkByName(n.Name)
		must(t, err)
		if n.MAC != "" {
			mac, err := net.ParseMAC(n.MAC)
			must(t, err)
			must(t, hh.LinkSetHardwareAddr(nic, mac))
		}
		must(t, hh.LinkSetUp(nic))
		if n.CIDR == "" {
			continue
		}
		addAddr(t, hh, nic, n.CIDR)
		if !routed {
			must(t, hh.RouteAdd(&netlink.Route{LinkIndex: nic.Attrs().Index, Gw: gw}))
			routed = true
		}
	}
	WaitCarrier(t, h.Host, nics...)
	WaitCarrier(t, h.LAN, append(ports, LabBridge)...)
	return h
}

// addAddr puts cidr on l and returns its IP.
func addAddr(t testing.TB, h *netlink.Handle, l netlink.Link, cidr string) net.IP {
	t.Helper()
	a, err := netlink.ParseAddr(cidr)
	must(t, err)
	must(t, h.AddrAdd(l, a))
	return a.IP
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
