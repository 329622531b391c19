package handover_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"rewire/bindings/host"
	"rewire/bindings/host/managertest"
	"rewire/bindings/modules"
	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/lua/engine"
	"rewire/lua/script"
)

// roots maps each test's host namespace to its sandbox, as the CLI's
// RootsFor maps the lab's: Claim finds the managers where detection does.
var (
	rootsMu sync.Mutex
	roots   = map[string]host.Roots{}
)

func init() {
	host.RootsFor = func(tg *target.Target) host.Roots {
		rootsMu.Lock()
		defer rootsMu.Unlock()
		if r, ok := roots[tg.NetnsPath]; ok {
			return r
		}
		return host.DefaultRoots()
	}
}

// lab is a host whose eth0 (52:54:00:aa:bb:cc) is a port of the LAN's
// bridge, a dnsmasq on the LAN (10.0.0.100–200, 2-minute leases), a
// sandbox for the host's manager and a journal store.
type lab struct {
	*nstest.HostLAN
	sb    *managertest.Sandbox
	dhcp  *managertest.DHCPServer
	store *tx.Store
}

func newLab(t *testing.T) *lab {
	t.Helper()
	h := nstest.NewHostLAN(t, nstest.LANSpec{Gateway: "10.0.0.1/24", NICs: []nstest.NIC{{Name: "eth0", MAC: "52:54:00:aa:bb:cc", Peer: "lan-eth0"}}})
	l := &lab{HostLAN: h, sb: managertest.NewSandbox(t, h.Host)}
	l.dhcp = managertest.StartDHCP(t, h.LAN, nstest.LabBridge, "10.0.0.100", "10.0.0.200")
	var err error
	if l.store, err = tx.OpenStore(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	l.setRoots(host.Roots{Etc: l.sb.Etc, Run: l.sb.Run, Var: l.sb.Var})
	t.Cleanup(func() { rootsMu.Lock(); delete(roots, h.Host.NetnsPath); rootsMu.Unlock() })
	return l
}

func (l *lab) setRoots(r host.Roots) {
	rootsMu.Lock()
	roots[l.Host.NetnsPath] = r
	rootsMu.Unlock()
}

func (l *lab) roots() host.Roots {
	return host.RootsFor(l.Host)
}

// run runs a chunk through the engine as `rewire run -e` does.
func (l *lab) run(t *testing.T, chunk string) (*script.Result, string) {
	t.Helper()
	var out bytes.Buffer
	s := &tx.Session{Store: l.store, Target: l.Host, Script: "test", OnApply: func(st *tx.Step) { fmt.Fprintf(&out, "+ %s\n", st.Desc) }}
	e := engine.New(&out, modules.Kernel(s)...)
	defer e.Close()
	return script.Run(context.Background(), s, e, script.Options{Chunk: chunk}), out.String()
}

// runFile runs a script file through the engine as `rewire run FILE
// ARGS` does.
func (l *lab) runFile(t *testing.T, file string, args ...string) (*script.Result, string) {
	t.Helper()
	var out bytes.Buffer
	s := &tx.Session{Store: l.store, Target: l.Host, Script: file, OnApply: func(st *tx.Step) { fmt.Fprintf(&out, "+ %s\n", st.Desc) }}
	e := engine.New(&out, modules.Kernel(s)...)
	defer e.Close()
	return script.Run(context.Background(), s, e, script.Options{File: file, Args: args}), out.String()
}

// rollback rolls a committed run back and says how long it took.
func (l *lab) rollback(t *testing.T, id string) time.Duration {
	t.Helper()
	start := time.Now()
	// A store opened afresh: the undo works from the journal alone.
	st, err := tx.OpenStore(l.store.Dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := st.RollbackCommitted(id, true, nil)
	if err != nil || rep.Err() != nil {
		t.Fatalf("rollback: %v %v", err, rep.Err())
	}
	return time.Since(start)
}

// device polls DeviceOf until ok accepts it (bounded).
func (l *lab) device(t *testing.T, name string, timeout time.Duration, ok func(host.Device) string, logs ...*managertest.Daemon) host.Device {
	t.Helper()
	var d host.Device
	managertest.Eventually(t, timeout, func() error {
		var err error
		if d, err = host.DeviceOf(l.Host, l.roots(), name); err != nil {
			return err
		}
		if why := ok(d); why != "" {
			return fmt.Errorf("%s: %s: %+v", name, why, d)
		}
		return nil
	}, logs...)
	return d
}

// defaultRoute waits (bounded) for an IPv4 default route through dev.
func (l *lab) defaultRoute(t *testing.T, dev string, timeout time.Duration, logs ...*managertest.Daemon) {
	t.Helper()
	managertest.Eventually(t, timeout, func() error {
		lk, err := l.Host.LinkByName(dev)
		if err != nil {
			return err
		}
		rs, err := l.Host.RouteList(netlink.FAMILY_V4, &netlink.Route{LinkIndex: lk.Attrs().Index}, netlink.RT_FILTER_OIF)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.Dst == nil || r.Dst.IP.IsUnspecified() {
				return nil
			}
		}
		return fmt.Errorf("no default route through %s yet", dev)
	}, logs...)
}

// lease is d's DHCP address from the LAN's range.
func lease(d host.Device) (host.Address, bool) {
	for _, a := range d.Addresses {
		if a.Origin == host.OriginDHCP && strings.HasPrefix(a.CIDR, "10.0.0.") {
			return a, true
		}
	}
	return host.Address{}, false
}

// leaseOf says whether manager's client holds a: ifupdown's is the
// dhclient it started ("dhclient pid N").
func leaseOf(a host.Address, manager string) bool {
	return a.Client == manager || manager == host.Ifupdown && strings.HasPrefix(a.Client, "dhclient pid ")
}

func leasedBy(manager string) func(host.Device) string {
	return func(d host.Device) string {
		if d.Manager != manager {
			return "not " + manager + "'s"
		}
		if a, ok := lease(d); !ok || !leaseOf(a, manager) {
			return "no lease from " + manager
		}
		return ""
	}
}

func (l *lab) master(t *testing.T, dev string) string {
	t.Helper()
	lk, err := l.Host.LinkByName(dev)
	if err != nil {
		t.Fatal(err)
	}
	if lk.Attrs().MasterIndex == 0 {
		return ""
	}
	m, err := l.Host.LinkByIndex(lk.Attrs().MasterIndex)
	if err != nil {
		t.Fatal(err)
	}
	return m.Attrs().Name
}

func (l *lab) lanReaches(ip string) bool {
	_, err := l.LAN.Run(nil, "busybox", "ping", "-c", "1", "-W", "2", ip)
	return err == nil
}

// networkd starts a bus (networkctl reload needs it) and networkd.
func (l *lab) networkd(t *testing.T, files map[string]string) *managertest.Networkd {
	t.Helper()
	l.sb.StartBus(t)
	return managertest.StartNetworkd(t, l.sb, files)
}

const dhcpNetwork = "[Match]\nName=eth0\n[Network]\nDHCP=ipv4\nLinkLocalAddressing=no\n[DHCPv4]\nUseHostname=no\n"

// natToBridge is the host part of examples/nat-to-bridge.lua.
const natToBridge = `bridge.create("br0", { stp = false, forward_delay = 0 })
bridge.add_port("br0", "eth0")
addr.move("eth0", "br0", { mac = true })`

// ip is the address without its prefix.
func ip(cidr string) string { a, _, _ := strings.Cut(cidr, "/"); return a }

// TestMain lets the parallel cases (waits on lease renewals and managers
// giving up: wall time, not CPU) all run at once unless -test.parallel
// says otherwise: by default only GOMAXPROCS would.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", "16")
	}
	os.Exit(m.Run())
}
