package nstest

import (
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"rewire/bindings/target"
)

// Veth joins two test namespaces with a veth: name in a, its peer in b,
// both down, with the kernel's MACs. It goes with the namespaces.
func Veth(t testing.TB, a *target.Target, name string, b *target.Target, peer string) {
	t.Helper()
	ah, err := a.Handle()
	if err != nil {
		t.Fatal(err)
	}
	ns, err := netns.GetFromPath(b.NetnsPath)
	if err != nil {
		t.Fatalf("veth %s: %v", name, err)
	}
	defer ns.Close()
	if err := ah.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: name}, PeerName: peer, PeerNamespace: netlink.NsFd(int(ns))}); err != nil {
		t.Fatalf("veth %s/%s: %v", name, peer, err)
	}
}
