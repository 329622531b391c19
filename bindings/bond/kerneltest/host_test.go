package kerneltest

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"rewire/bindings/probe"
	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// s3Host is SCENARIOS.md S3 before the recipe: a host namespace whose
// NICs ens32 (10.0.0.111/24, default via 10.0.0.1) and ens36 (no IP) are
// veths to ports lan-a and lan-b of bridge lan0 in a LAN namespace, which
// holds the gateway 10.0.0.1/24.
type s3Host struct {
	host, lan *target.Target
	store     *tx.Store
}

const (
	hostIP    = "10.0.0.111"
	gatewayIP = "10.0.0.1"
	ens32MAC  = "52:54:00:aa:bb:32"
	ens36MAC  = "52:54:00:aa:bb:36"
)

func newS3Host(t *testing.T) *s3Host {
	t.Helper()
	h := &s3Host{host: nstest.New(t), lan: nstest.New(t)}
	var err error
	if h.store, err = tx.OpenStore(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	must(t, NoIPv6(h.host))
	must(t, NoIPv6(h.lan))
	hh, _ := h.host.Handle()
	lh, _ := h.lan.Handle()
	lanNS, err := netns.GetFromPath(h.lan.NetnsPath)
	must(t, err)
	defer lanNS.Close()
	must(t, lh.LinkAdd(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "lan0"}}))
	lan0, err := lh.LinkByName("lan0")
	must(t, err)
	for _, v := range []struct{ nic, peer, mac string }{{"ens32", "lan-a", ens32MAC}, {"ens36", "lan-b", ens36MAC}} {
		mac, _ := net.ParseMAC(v.mac)
		must(t, hh.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: v.nic, HardwareAddr: mac},
			PeerName: v.peer, PeerNamespace: netlink.NsFd(int(lanNS))}))
		p, err := lh.LinkByName(v.peer)
		must(t, err)
		must(t, lh.LinkSetMaster(p, lan0))
		must(t, lh.LinkSetUp(p))
		n, err := hh.LinkByName(v.nic)
		must(t, err)
		must(t, hh.LinkSetUp(n))
	}
	a, _ := netlink.ParseAddr(gatewayIP + "/24")
	must(t, lh.AddrAdd(lan0, a))
	must(t, lh.LinkSetUp(lan0))
	ens32, _ := hh.LinkByName("ens32")
	a, _ = netlink.ParseAddr(hostIP + "/24")
	must(t, hh.AddrAdd(ens32, a))
	must(t, hh.RouteAdd(&netlink.Route{LinkIndex: ens32.Attrs().Index, Gw: net.ParseIP(gatewayIP)}))
	return h
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (h *s3Host) session() *tx.Session {
	return &tx.Session{Store: h.store, Target: h.host, Script: "test"}
}

// run executes a recipe through the engine as `rewire run` does.
func (h *s3Host) run(t *testing.T, s *tx.Session, o tx.RunOptions) (*tx.Result, string) {
	t.Helper()
	var out bytes.Buffer
	e := engine.New(&out, Modules(s)...)
	defer e.Close()
	return tx.RunScript(context.Background(), s, e, o), out.String()
}

func (h *s3Host) snapshot(t *testing.T) string {
	t.Helper()
	s, err := Snapshot(h.host)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// lanReaches pings ip from the LAN namespace (a few tries: ARP and the
// bridges' FDB may need one round).
func (h *s3Host) lanReaches(ip string) bool {
	ok, err := probe.Ping(h.lan, ip, probe.Options{Count: 5, Timeout: time.Second})
	return err == nil && ok
}
