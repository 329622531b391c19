package bond_test

import (
	"bufio"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"rewire/bindings/bond"
	"rewire/bindings/bond/kerneltest"
	"rewire/bindings/link"
	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

// host is a fresh namespace with dummy NICs d1 (MTU 1400, up), d2 (down)
// and d3 (up), and a session on it.
type host struct {
	tg    *target.Target
	store *tx.Store
	s     *tx.Session
}

func newHost(t *testing.T) *host {
	t.Helper()
	h := &host{tg: nstest.New(t)}
	if err := kerneltest.NoIPv6(h.tg); err != nil {
		t.Fatal(err)
	}
	var err error
	if h.store, err = tx.OpenStore(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	h.s = &tx.Session{Store: h.store, Target: h.tg, Script: "test"}
	hh, _ := h.tg.Handle()
	for _, d := range []struct {
		name, mac string
		mtu       int
		up        bool
	}{{"d1", "52:54:00:00:00:d1", 1400, true}, {"d2", "52:54:00:00:00:d2", 1500, false}, {"d3", "52:54:00:00:00:d3", 1500, true}} {
		attrs := netlink.NewLinkAttrs()
		attrs.Name, attrs.MTU = d.name, d.mtu
		attrs.HardwareAddr, _ = net.ParseMAC(d.mac)
		must(t, hh.LinkAdd(&netlink.Dummy{LinkAttrs: attrs}))
		if d.up {
			l, err := hh.LinkByName(d.name)
			must(t, err)
			must(t, hh.LinkSetUp(l))
		}
	}
	return h
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (h *host) snapshot(t *testing.T) string {
	t.Helper()
	s, err := kerneltest.Snapshot(h.tg)
	must(t, err)
	return s
}

// rollback undoes the session's transaction and requires every step to succeed.
func (h *host) rollback(t *testing.T) {
	t.Helper()
	if err := h.s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// On this project's own kernel (no bonding): the clear error, nothing changed.
func TestCreateWithoutBondingSupport(t *testing.T) {
	if bond.Supported() == nil {
		t.Skip("this kernel has bonding")
	}
	tg := nstest.New(t)
	store, err := tx.OpenStore(t.TempDir())
	must(t, err)
	s := &tx.Session{Store: store, Target: tg}
	before, err := kerneltest.Snapshot(tg)
	must(t, err)
	err = bond.Create(s, "bond0", bond.CreateOptions{Options: bond.Options{Mode: ptr("active-backup")}, Slaves: []string{"lo"}})
	if err == nil || err.Error() != "this kernel has no bonding support (CONFIG_BONDING)" {
		t.Fatalf("got %v", err)
	}
	if s.Current() != nil {
		t.Fatal("a transaction was begun")
	}
	after, err := kerneltest.Snapshot(tg)
	must(t, err)
	if after != before {
		t.Fatalf("the namespace changed:\n%s\n%s", before, after)
	}
}

// Every mode, by name and by number, creates a bond that reads back with it.
func TestEveryModeCreatesAndReadsBack(t *testing.T) {
	kerneltest.NeedVM(t)
	for i, mode := range bond.Modes {
		for _, given := range []string{mode, string(rune('0' + i))} {
			t.Run(given, func(t *testing.T) {
				h := newHost(t)
				before := h.snapshot(t)
				must(t, bond.Create(h.s, "bond0", bond.CreateOptions{Options: bond.Options{Mode: ptr(given), Miimon: ptr(100)}, Slaves: []string{"d1", "d2"}}))
				st, err := bond.Get(h.tg, "bond0")
				must(t, err)
				if st.Mode != mode || st.Miimon != 100 || len(st.Slaves) != 2 {
					t.Fatalf("mode %s: read back %+v", given, st)
				}
				h.rollback(t)
				if after := h.snapshot(t); after != before {
					t.Fatalf("rollback differs:\nbefore %s\nafter  %s", before, after)
				}
			})
		}
	}
}

// Options round-trip: what is set is what the kernel reports; Set changes
// only what it is given and its undo restores the rest exactly.
func TestOptionsRoundTrip(t *testing.T) {
	kerneltest.NeedVM(t)
	h := newHost(t)
	before := h.snapshot(t)
	must(t, bond.Create(h.s, "bond0", bond.CreateOptions{Options: bond.Options{
		Mode: ptr("802.3ad"), Miimon: ptr(100), UpDelay: ptr(200), DownDelay: ptr(300),
		LacpRate: ptr("fast"), XmitHashPolicy: ptr("layer3+4")}}))
	st, err := bond.Get(h.tg, "bond0")
	must(t, err)
	want := bond.Config{Mode: "802.3ad", Miimon: 100, UpDelay: 200, DownDelay: 300, LacpRate: "fast", XmitHashPolicy: "layer3+4"}
	if st.Config != want {
		t.Fatalf("read back %+v, want %+v", st.Config, want)
	}
	mid := h.snapshot(t)
	sp := h.s.Current().Savepoint("set")
	must(t, bond.Set(h.s, "bond0", bond.Options{Mode: ptr("1"), Miimon: ptr(50), UpDelay: ptr(100), DownDelay: ptr(0)}))
	st, err = bond.Get(h.tg, "bond0")
	must(t, err)
	// The kernel keeps lacp_rate across mode changes.
	want = bond.Config{Mode: "active-backup", Miimon: 50, UpDelay: 100, LacpRate: "fast", XmitHashPolicy: "layer3+4"}
	if st.Config != want {
		t.Fatalf("after set: %+v, want %+v", st.Config, want)
	}
	must(t, bond.AddSlave(h.s, "bond0", "d1"))
	must(t, bond.AddSlave(h.s, "bond0", "d3"))
	must(t, bond.Set(h.s, "bond0", bond.Options{Primary: ptr("d3")}))
	// With updelay 100 the slaves come up, and d3 becomes active, after the delay.
	for i := 0; i < 100; i++ {
		if st, _ = bond.Get(h.tg, "bond0"); st.ActiveSlave == "d3" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st.Primary != "d3" || st.ActiveSlave != "d3" {
		t.Fatalf("primary d3: %+v", st)
	}
	if err := h.s.Current().RollbackTo(sp).Err(); err != nil {
		t.Fatal(err)
	}
	if now := h.snapshot(t); now != mid {
		t.Fatalf("undo of set differs:\nbefore %s\nafter  %s", mid, now)
	}
	h.rollback(t)
	if after := h.snapshot(t); after != before {
		t.Fatalf("rollback differs:\nbefore %s\nafter  %s", before, after)
	}
}

// Releasing a slave gives back its own MAC, MTU and up/down state; the
// undo of add_slave does the same, and remove_slave's undo re-enslaves.
func TestSlaveUndoIsExact(t *testing.T) {
	kerneltest.NeedVM(t)
	h := newHost(t)
	before := h.snapshot(t)
	must(t, bond.Create(h.s, "bond0", bond.CreateOptions{Options: bond.Options{Mode: ptr("active-backup"), Miimon: ptr(100)}}))
	must(t, bond.AddSlave(h.s, "bond0", "d1"))
	must(t, bond.AddSlave(h.s, "bond0", "d2"))
	d1, _ := link.Get(h.tg, "d1")
	d2, _ := link.Get(h.tg, "d2")
	b, _ := link.Get(h.tg, "bond0")
	if d1.Master != "bond0" || !d2.Up || d1.MTU != b.MTU || d2.MAC != b.MAC || b.MAC != "52:54:00:00:00:d1" {
		t.Fatalf("enslaved: d1 %+v d2 %+v bond0 %+v", d1, d2, b)
	}
	st, err := bond.Get(h.tg, "bond0")
	must(t, err)
	if st.SlavesByName["d2"].PermanentMAC != "52:54:00:00:00:d2" {
		t.Fatalf("permanent MAC of d2: %+v", st.SlavesByName["d2"])
	}
	mid := h.snapshot(t)
	sp := h.s.Current().Savepoint("remove")
	must(t, bond.RemoveSlave(h.s, "bond0", "d2"))
	if d2, _ = link.Get(h.tg, "d2"); d2.Master != "" || d2.MAC != "52:54:00:00:00:d2" {
		t.Fatalf("released d2: %+v", d2)
	}
	if err := h.s.Current().RollbackTo(sp).Err(); err != nil {
		t.Fatal(err)
	}
	if now := h.snapshot(t); now != mid {
		t.Fatalf("undo of remove_slave differs:\nbefore %s\nafter  %s", mid, now)
	}
	h.rollback(t)
	if after := h.snapshot(t); after != before {
		t.Fatalf("rollback differs:\nbefore %s\nafter  %s", before, after)
	}
}

// link.delete works on a bond, and rollback recreates it with its
// options, slaves, address and master.
func TestDeleteAndRecreate(t *testing.T) {
	kerneltest.NeedVM(t)
	h := newHost(t)
	hh, _ := h.tg.Handle()
	must(t, bond.Create(h.s, "bond0", bond.CreateOptions{Options: bond.Options{Mode: ptr("balance-xor"), Miimon: ptr(100), XmitHashPolicy: ptr("layer2+3")}, Slaves: []string{"d1", "d3"}}))
	if _, err := h.s.Commit(); err != nil {
		t.Fatal(err)
	}
	bl, _ := hh.LinkByName("bond0")
	a, _ := netlink.ParseAddr("192.0.2.10/24")
	must(t, hh.AddrAdd(bl, a))
	before := h.snapshot(t)
	must(t, link.Delete(h.s, "bond0"))
	if link.Exists(h.tg, "bond0") {
		t.Fatal("bond0 still exists")
	}
	h.rollback(t)
	if after := h.snapshot(t); after != before {
		t.Fatalf("recreated bond differs:\nbefore %s\nafter  %s", before, after)
	}
}

// bond.Get says what /proc/net/bonding/bond0 says.
func TestStatusMatchesProc(t *testing.T) {
	kerneltest.NeedVM(t)
	h := newHost(t)
	must(t, bond.Create(h.s, "bond0", bond.CreateOptions{Options: bond.Options{Mode: ptr("1"), Miimon: ptr(100), UpDelay: ptr(0), DownDelay: ptr(200)}, Slaves: []string{"d1", "d3"}}))
	st, err := bond.Get(h.tg, "bond0")
	must(t, err)
	proc := readProc(t, h.tg, "bond0")
	want := map[string]string{
		"Bonding Mode":              st.ModeTitle,
		"Currently Active Slave":    st.ActiveSlave,
		"MII Status":                st.MIIStatus,
		"MII Polling Interval (ms)": "100",
		"Down Delay (ms)":           "200",
	}
	for k, v := range want {
		if proc[""][k] != v {
			t.Errorf("%s: proc says %q, rewire %q", k, proc[""][k], v)
		}
	}
	if len(st.Slaves) != 2 {
		t.Fatalf("slaves %+v", st.Slaves)
	}
	for _, sl := range st.Slaves {
		p := proc[sl.Name]
		got := map[string]string{"MII Status": sl.MIIStatus, "Speed": sl.Speed, "Duplex": sl.Duplex,
			"Link Failure Count": strconv.Itoa(sl.LinkFailureCount), "Permanent HW addr": sl.PermanentMAC}
		for k, v := range got {
			if p[k] != v {
				t.Errorf("slave %s %s: proc says %q, rewire %q", sl.Name, k, p[k], v)
			}
		}
	}
	h.rollback(t)
}

// readProc parses /proc/net/bonding/BOND of tg's namespace: the bond's
// fields under "", each slave's under its name.
func readProc(t *testing.T, tg *target.Target, name string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{"": {}}
	err := tg.Do(func() error {
		f, err := os.Open("/proc/thread-self/net/bonding/" + name)
		if err != nil {
			return err
		}
		defer f.Close()
		sec := ""
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), ": ")
			if !ok {
				continue
			}
			if k == "Slave Interface" {
				sec = v
				out[sec] = map[string]string{}
				continue
			}
			out[sec][k] = v
		}
		return sc.Err()
	})
	must(t, err)
	return out
}
