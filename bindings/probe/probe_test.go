package probe

import (
	"bytes"
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// pair is two fresh namespaces joined by a veth: "here" (va, 10.9.0.1/24,
// fd00:9::1/64) probes "there" (vb, 10.9.0.2/24, fd00:9::2/64).
type pair struct {
	here, there *target.Target
	thereMAC    string
}

func newPair(t *testing.T) *pair {
	t.Helper()
	p := &pair{here: nstest.New(t), there: nstest.New(t)}
	hh, err := p.here.Handle()
	must(t, err)
	th, err := p.there.Handle()
	must(t, err)
	// No IPv6 duplicate address detection: its timer would change the
	// link-local address's flags while a test compares states.
	for _, tg := range []*target.Target{p.here, p.there} {
		must(t, tg.Do(func() error {
			return os.WriteFile("/proc/sys/net/ipv6/conf/default/accept_dad", []byte("0"), 0o644)
		}))
	}
	nstest.Veth(t, p.here, "va", p.there, "vb")
	for _, c := range []struct {
		h     *netlink.Handle
		dev   string
		cidrs []string
	}{{hh, "va", []string{"10.9.0.1/24", "fd00:9::1/64"}}, {th, "vb", []string{"10.9.0.2/24", "fd00:9::2/64"}}} {
		l, err := c.h.LinkByName(c.dev)
		must(t, err)
		for _, cidr := range c.cidrs {
			a, _ := netlink.ParseAddr(cidr)
			a.Flags = 0x02 // IFA_F_NODAD: usable at once
			must(t, c.h.AddrAdd(l, a))
		}
		must(t, c.h.LinkSetUp(l))
		if c.dev == "vb" {
			p.thereMAC = l.Attrs().HardwareAddr.String()
		}
	}
	nstest.WaitCarrier(t, p.here, "va")
	nstest.WaitCarrier(t, p.there, "vb")
	return p
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// state is what a probe must leave as it found it.
func state(t *testing.T, tg *target.Target) string {
	t.Helper()
	var b strings.Builder
	for _, args := range [][]string{{"-j", "link"}, {"-j", "addr"}, {"-j", "route", "show", "table", "all"}} {
		out, err := tg.Run(nil, "ip", args...)
		must(t, err)
		b.Write(out)
	}
	return b.String()
}

func TestPing(t *testing.T) {
	p := newPair(t)
	before := state(t, p.here)
	fast := Options{Timeout: 300 * time.Millisecond, Count: 2}
	for _, c := range []struct {
		ip   string
		want bool
	}{{"10.9.0.2", true}, {"fd00:9::2", true}, {"127.0.0.1", true}, {"10.9.0.3", false}, {"192.0.2.1", false}} {
		got, err := Ping(p.here, c.ip, Options{Timeout: 3 * time.Second, Count: fast.Count})
		if !c.want {
			got, err = Ping(p.here, c.ip, fast)
		}
		if err != nil || got != c.want {
			t.Errorf("Ping(%s) = %v, %v; want %v", c.ip, got, err, c.want)
		}
	}
	if _, err := Ping(p.here, "10.9.0", fast); err == nil || !strings.Contains(err.Error(), `"10.9.0"`) {
		t.Errorf("bad address: want an error naming it, got %v", err)
	}
	if after := state(t, p.here); after != before {
		t.Errorf("ping changed the host:\nbefore %s\nafter  %s", before, after)
	}
}

func TestTCP(t *testing.T) {
	p := newPair(t)
	var ln net.Listener
	must(t, p.there.Do(func() (err error) { ln, err = net.Listen("tcp", "10.9.0.2:0"); return err }))
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	open := ln.Addr().String()
	closed := "10.9.0.2:1"
	o := Options{Timeout: 3 * time.Second}
	if ok, err := TCP(p.here, open, o); !ok || err != nil {
		t.Errorf("TCP(%s) = %v, %v; want true", open, ok, err)
	}
	if ok, err := TCP(p.here, closed, o); ok || err != nil {
		t.Errorf("TCP(%s) = %v, %v; want false (refused)", closed, ok, err)
	}
	// From a namespace with no link to "there", the same probe fails:
	// the connection is made from inside the target, not from the test.
	if ok, err := TCP(nstest.New(t), open, Options{Timeout: 300 * time.Millisecond}); ok || err != nil {
		t.Errorf("TCP(%s) from an unlinked namespace = %v, %v; want false", open, ok, err)
	}
	for _, bad := range []string{"10.9.0.2", "10.9.0.2:0", "10.9.0.2:http", "host.example:22"} {
		if _, err := TCP(p.here, bad, o); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("TCP(%q): want an error naming it, got %v", bad, err)
		}
	}
}

func TestARP(t *testing.T) {
	p := newPair(t)
	before := state(t, p.here)
	mac, err := ARP(p.here, "10.9.0.2", "va", Options{Timeout: 3 * time.Second, Count: 2})
	if err != nil || mac != p.thereMAC {
		t.Errorf("ARP(10.9.0.2 on va) = %q, %v; want %s", mac, err, p.thereMAC)
	}
	if mac, err := ARP(p.here, "10.9.0.3", "va", Options{Timeout: 300 * time.Millisecond}); mac != "" || err != nil {
		t.Errorf("ARP(nobody) = %q, %v; want no answer", mac, err)
	}
	if _, err := ARP(p.here, "10.9.0.2", "nosuch0", Options{}); err == nil || !strings.Contains(err.Error(), "nosuch0") {
		t.Errorf("unknown interface: want an error naming it, got %v", err)
	}
	if _, err := ARP(p.here, "fd00:9::2", "va", Options{}); err == nil || !strings.Contains(err.Error(), "fd00:9::2") {
		t.Errorf("IPv6: want an error naming the address, got %v", err)
	}
	if after := state(t, p.here); after != before {
		t.Errorf("arp changed the host:\nbefore %s\nafter  %s", before, after)
	}
}

func TestLuaModule(t *testing.T) {
	p := newPair(t)
	st, err := tx.OpenStore(t.TempDir())
	must(t, err)
	s := &tx.Session{Store: st, Target: p.here, Script: "test"}
	var out bytes.Buffer
	e := engine.New(&out, Module(s))
	defer e.Close()
	ctx := context.Background()
	src := `
print(probe.ping("10.9.0.2", {timeout = 3000}))
print(probe.ping("10.9.0.9", {timeout = 200}))
print(probe.arp("10.9.0.2", "va", {timeout = 3000}))
print(probe.arp("10.9.0.9", "va", {timeout = 200}) == nil)
print(probe.tcp("10.9.0.2:1", {timeout = 3000}))`
	if lerr := e.DoString(ctx, src, "probe"); lerr != nil {
		t.Fatal(lerr)
	}
	want := "true\nfalse\n" + p.thereMAC + "\ntrue\nfalse\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	for src, obj := range map[string]string{
		`probe.ping("10.9.0.2", {timout = 5})`: "timout",
		`probe.ping("nope")`:                   "nope",
		`probe.arp("10.9.0.2", "nosuch0")`:     "nosuch0",
		`probe.tcp("10.9.0.2")`:                "10.9.0.2",
	} {
		lerr := e.DoString(ctx, src, "bad")
		if lerr == nil || !strings.Contains(lerr.Error(), obj) {
			t.Errorf("%s: want an error naming %s, got %v", src, obj, lerr)
		}
	}
	if s.Current() != nil {
		t.Errorf("probes opened a transaction")
	}
}
