package netstack

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// testHost is a miniature lab: a host namespace whose eth0 (10.0.0.111/24,
// default via 10.0.0.1) is a veth to a LAN namespace holding 10.0.0.1/24.
type testHost struct {
	host, lan *target.Target
	store     *tx.Store
}

func newTestHost(t *testing.T) *testHost {
	t.Helper()
	h := &testHost{host: nstest.New(t), lan: nstest.New(t)}
	var err error
	if h.store, err = tx.OpenStore(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	hh, _ := h.host.Handle()
	lh, _ := h.lan.Handle()
	lanNS, err := netns.GetFromPath(h.lan.NetnsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer lanNS.Close()
	mac, _ := net.ParseMAC("52:54:00:aa:bb:cc")
	must(t, hh.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "eth0", HardwareAddr: mac},
		PeerName: "lan-eth0", PeerNamespace: netlink.NsFd(int(lanNS))}))
	for _, c := range []struct {
		h         *netlink.Handle
		dev, cidr string
	}{{hh, "eth0", "10.0.0.111/24"}, {lh, "lan-eth0", "10.0.0.1/24"}} {
		l, err := c.h.LinkByName(c.dev)
		must(t, err)
		a, _ := netlink.ParseAddr(c.cidr)
		must(t, c.h.AddrAdd(l, a))
		must(t, c.h.LinkSetUp(l))
	}
	eth0, _ := hh.LinkByName("eth0")
	must(t, hh.RouteAdd(&netlink.Route{LinkIndex: eth0.Attrs().Index, Gw: net.ParseIP("10.0.0.1")}))
	return h
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (h *testHost) session() *tx.Session {
	return &tx.Session{Store: h.store, Target: h.host, Script: "test"}
}

// run executes a recipe through the engine as `rewire run` does.
func (h *testHost) run(t *testing.T, s *tx.Session, o tx.RunOptions) (*tx.Result, string) {
	t.Helper()
	var out bytes.Buffer
	e := engine.New(&out, Modules(s)...)
	defer e.Close()
	return tx.RunScript(context.Background(), s, e, o), out.String()
}

// snapshot is the state exactness is judged on: `ip -d -j link`,
// `ip -j addr`, `ip -j route show table all` and ip_forward. Interface
// statistics are dropped (traffic changes them), and so is ifindex: a
// bridge deleted on rollback and a fresh one differ only there.
func (h *testHost) snapshot(t *testing.T) string {
	t.Helper()
	var parts []string
	for _, args := range [][]string{{"-d", "-j", "link"}, {"-j", "addr"}, {"-j", "route", "show", "table", "all"}, {"-6", "-j", "route", "show", "table", "all"}} {
		out, err := h.host.Run(nil, "ip", args...)
		if err != nil {
			t.Fatal(err)
		}
		var v []map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("ip %v: %v", args, err)
		}
		for _, m := range v {
			delete(m, "stats64")
			delete(m, "stats")
			for _, ai := range asList(m["addr_info"]) {
				// DAD of an IPv6 link-local address may still be running.
				delete(ai, "tentative")
			}
		}
		b, _ := json.Marshal(v)
		parts = append(parts, string(b))
	}
	fwd, err := h.host.Run(nil, "cat", "/proc/sys/net/ipv4/ip_forward")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(parts, "\n") + "\nip_forward=" + string(fwd)
}

func asList(v any) []map[string]any {
	l, _ := v.([]any)
	var out []map[string]any
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// lanReaches pings ip from the LAN namespace.
func (h *testHost) lanReaches(ip string) bool {
	_, err := h.lan.Run(nil, "busybox", "ping", "-c", "1", "-W", "2", ip)
	return err == nil
}
