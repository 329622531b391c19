package nat_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"rewire/bindings/dnsmasq"
	"rewire/bindings/modules"
	"rewire/bindings/nat"
	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/lua/engine"
	"rewire/lua/script"
)

const (
	example = "../../examples/nat-network.lua"
	vm1MAC  = "52:54:00:10:00:0a"
)

// world is a KVM host namespace whose eth0 (10.0.0.111/24) is a veth to a
// LAN namespace (10.0.0.1/24), and a guest namespace whose eth0 (vm1's MAC)
// is a veth to the host's vnet0, to be put on the recipe's bridge.
type world struct {
	host, lan, guest *target.Target
	store            *tx.Store
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{host: nstest.New(t), lan: nstest.New(t), guest: nstest.New(t)}
	var err error
	if w.store, err = tx.OpenStore(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	nstest.Veth(t, w.host, "eth0", w.lan, "lan-eth0")
	nstest.Veth(t, w.host, "vnet0", w.guest, "eth0")
	hl, _ := net.ParseMAC(vm1MAC)
	gh, _ := w.guest.Handle()
	l, _ := gh.LinkByName("eth0")
	must(t, gh.LinkSetHardwareAddr(l, hl))
	sh(t, w.host, "ip addr add 10.0.0.111/24 dev eth0", "ip link set eth0 up", "ip route add default via 10.0.0.1", "ip link set vnet0 up")
	sh(t, w.lan, "ip addr add 10.0.0.1/24 dev lan-eth0", "ip link set lan-eth0 up")
	sh(t, w.guest, "ip link set eth0 up")
	return w
}

func sh(t *testing.T, tg *target.Target, cmds ...string) {
	t.Helper()
	for _, c := range cmds {
		f := strings.Fields(c)
		if _, err := tg.Run(nil, f[0], f[1:]...); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (w *world) session() *tx.Session {
	return &tx.Session{Store: w.store, Target: w.host, Script: "test"}
}

func (w *world) run(t *testing.T, s *tx.Session) (*script.Result, string) {
	t.Helper()
	var out bytes.Buffer
	mods := modules.Kernel(s)
	e := engine.New(&out, mods...)
	defer e.Close()
	return script.Run(context.Background(), s, e, script.Options{File: example, Args: []string{"eth0", "virbr1"}}), out.String()
}

// snapshot is what the recipe may touch: iptables-save and ip6tables-save
// (counters aside), links, addresses, ip_forward and rewire's dnsmasq state.
func (w *world) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, f := range []nat.Family{nat.IPv4, nat.IPv6} {
		out, err := nat.Save(w.host, f)
		must(t, err)
		b.WriteString(nat.Normalize(out))
	}
	// Carrier comes and goes with the peers and IPv6 link-local addresses
	// with DAD; neither is the recipe's doing.
	unstable := regexp.MustCompile(`NO-CARRIER,|,LOWER_UP|state \S+ | linkdown`)
	for _, args := range [][]string{{"-o", "link"}, {"-o", "-4", "addr"}, {"-o", "-6", "addr", "show", "scope", "global"}, {"route"}} {
		out, err := w.host.Run(nil, "ip", args...)
		must(t, err)
		b.WriteString(unstable.ReplaceAllString(string(out), ""))
	}
	fwd, err := w.host.Run(nil, "cat", "/proc/sys/net/ipv4/ip_forward")
	must(t, err)
	b.WriteString("ip_forward=" + string(fwd))
	files, _ := filepath.Glob(filepath.Join(w.store.Dir, "dnsmasq", "*", "*"))
	b.WriteString(fmt.Sprintf("dnsmasq files: %v\n", files))
	return b.String()
}

func TestNatNetworkRollsBackExactlyAtEveryStep(t *testing.T) {
	w := newWorld(t)
	res, _ := w.run(t, w.session())
	if res.Err != nil {
		t.Fatalf("run: %v", res.Err)
	}
	steps := len(res.Steps)
	rep, err := w.store.RollbackCommitted(res.TxID, false, nil)
	if err != nil || rep.Err() != nil {
		t.Fatalf("rollback: %v %v", err, rep.Err())
	}
	if steps < 8 {
		t.Fatalf("the recipe made %d changes, want at least 8", steps)
	}
	for k := 1; k <= steps; k++ {
		t.Run(fmt.Sprintf("step%d", k), func(t *testing.T) {
			w := newWorld(t)
			before := w.snapshot(t)
			s := w.session()
			s.Inject = func(seq int) error {
				if seq == k {
					return errors.New("injected failure")
				}
				return nil
			}
			res, _ := w.run(t, s)
			if res.Err == nil || !strings.Contains(res.Err.Error(), "injected failure") {
				t.Fatalf("want the injected failure, got %v", res.Err)
			}
			if res.State != tx.StateRolledBack {
				t.Fatalf("state %s, want rolled-back", res.State)
			}
			if after := w.snapshot(t); after != before {
				t.Fatalf("state after rollback differs:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

func TestNatNetworkCarriesTraffic(t *testing.T) {
	w := newWorld(t)
	before := w.snapshot(t)
	res, out := w.run(t, w.session())
	if res.Err != nil {
		t.Fatalf("run: %v\n%s", res.Err, out)
	}
	t.Cleanup(func() { w.store.RollbackCommitted(res.TxID, true, nil) })
	sh(t, w.host, "ip link set vnet0 master virbr1")

	// vm1 asks for an address as a guest would, and gets its reservation.
	ip, router := dhcp(t, w.guest)
	if ip != "192.168.100.10" || router != "192.168.100.1" {
		t.Fatalf("vm1 got %s via %s, want its reservation 192.168.100.10 via 192.168.100.1", ip, router)
	}
	sh(t, w.guest, "ip addr add "+ip+"/24 dev eth0", "ip route add default via "+router)
	l, err := dnsmasq.Leases(filepath.Join(w.store.Dir, "dnsmasq"), "virbr1")
	must(t, err)
	if lease, ok := dnsmasq.Find(l, vm1MAC); !ok || lease.IP != ip {
		t.Fatalf("leases() does not list vm1's lease: %+v", l)
	}

	// Masquerade: the LAN sees vm1's connection come from the host's address.
	if from := connect(t, w.lan, "10.0.0.1:9000", w.guest, "10.0.0.1:9000"); from != "10.0.0.111" {
		t.Errorf("the LAN saw vm1's connection from %s, want the host's 10.0.0.111", from)
	}
	// Port forward: host port 2222 on the uplink reaches vm1's port 22.
	if from := connect(t, w.guest, "192.168.100.10:22", w.lan, "10.0.0.111:2222"); from != "10.0.0.1" {
		t.Errorf("vm1 saw the forwarded connection from %s, want the LAN's 10.0.0.1", from)
	}

	sh(t, w.host, "ip link set vnet0 nomaster")
	rep, err := w.store.RollbackCommitted(res.TxID, false, nil)
	if err != nil || rep.Err() != nil {
		t.Fatalf("rollback: %v %v", err, rep.Err())
	}
	if after := w.snapshot(t); after != before {
		t.Fatalf("state after rollback differs:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// connect listens on listenAddr inside srv, dials dialAddr from cli, and
// returns the address the listener saw the connection come from.
func connect(t *testing.T, srv *target.Target, listenAddr string, cli *target.Target, dialAddr string) string {
	t.Helper()
	var ln net.Listener
	must(t, srv.Do(func() (err error) { ln, err = net.Listen("tcp4", listenAddr); return err }))
	defer ln.Close()
	from := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			from <- "accept: " + err.Error()
			return
		}
		defer c.Close()
		host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
		io.WriteString(c, "hello\n")
		from <- host
	}()
	var conn net.Conn
	// The deadline only keeps a broken setup from hanging the test.
	err := cli.Do(func() (err error) { conn, err = net.DialTimeout("tcp4", dialAddr, 10*time.Second); return err })
	if err != nil {
		t.Fatalf("dial %s: %v", dialAddr, err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	greeting, err := io.ReadAll(io.LimitReader(conn, 6))
	if err != nil || string(greeting) != "hello\n" {
		t.Fatalf("read from %s: %q %v", dialAddr, greeting, err)
	}
	return <-from
}

// dhcp runs busybox udhcpc in tg until bound; it returns address and router.
func dhcp(t *testing.T, tg *target.Target) (string, string) {
	t.Helper()
	dir := t.TempDir()
	got := filepath.Join(dir, "bound")
	script := "#!/bin/sh\nif [ \"$1\" = bound ]; then echo \"$ip $router\" > " + got + "; fi\nexit 0\n"
	must(t, os.WriteFile(filepath.Join(dir, "script"), []byte(script), 0o755))
	if _, err := tg.Run(nil, "busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "5", "-T", "1", "-s", filepath.Join(dir, "script")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(got)
	must(t, err)
	f := strings.Fields(string(b))
	if len(f) != 2 {
		t.Fatalf("udhcpc script got %q", b)
	}
	return f[0], f[1]
}
