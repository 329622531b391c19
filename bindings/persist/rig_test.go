package persist_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"rewire/bindings/addr"
	"rewire/bindings/bridge"
	"rewire/bindings/handover"
	"rewire/bindings/host"
	"rewire/bindings/host/managertest"
	"rewire/bindings/persist"
	"rewire/bindings/sysctl"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

// rig is a host with eth0 on a LAN with a DHCP server (10.0.0.100–200),
// a sandbox for its manager, and a session to migrate it in.
type rig struct {
	*nstest.HostLAN
	sb    *managertest.Sandbox
	dhcp  *managertest.DHCPServer
	roots host.Roots
	s     *tx.Session
}

const eth0MAC = "52:54:00:aa:bb:cc"

func newRig(t *testing.T) *rig {
	t.Helper()
	h := nstest.NewHostLAN(t, nstest.LANSpec{Gateway: "10.0.0.1/24", NICs: []nstest.NIC{{Name: "eth0", MAC: eth0MAC, Peer: "lan-eth0"}}})
	r := &rig{HostLAN: h, sb: managertest.NewSandbox(t, h.Host)}
	r.dhcp = managertest.StartDHCP(t, h.LAN, nstest.LabBridge, "10.0.0.100", "10.0.0.200")
	r.roots = host.Roots{Etc: r.sb.Etc, Run: r.sb.Run, Var: r.sb.Var}
	// These tests are about the files persisted from a migration; the
	// hand-over to the managers during it is bindings/handover's.
	t.Cleanup(handover.Disable(h.Host))
	st, err := tx.OpenStore(filepath.Join(t.TempDir(), "state"))
	if err != nil {
		t.Fatal(err)
	}
	r.s = &tx.Session{Store: st, Target: h.Host, Script: "persist-test"}
	return r
}

// migrate is the host part of nat-to-bridge.lua: br0 takes eth0, its
// addresses, routes and MAC; and ip_forward on, as a NAT recipe sets it.
func (r *rig) migrate(t *testing.T) {
	t.Helper()
	no, zero := false, 0
	must(t, bridge.Create(r.s, "br0", bridge.Options{STP: &no, ForwardDelay: &zero}))
	must(t, bridge.AddPort(r.s, "br0", "eth0"))
	must(t, addr.Move(r.s, "eth0", "br0", addr.MoveOptions{MAC: true}))
	must(t, sysctl.Set(r.s, "net.ipv4.ip_forward", "1"))
}

func (r *rig) persist(t *testing.T) []persist.Written {
	t.Helper()
	start := time.Now()
	ws, err := persist.Save(r.s, persist.Options{Roots: &r.roots})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("timing: persist.Save %v", time.Since(start))
	for _, w := range ws {
		b, _ := os.ReadFile(w.Path)
		t.Logf("%s %s (%s, %s):\n%s", w.Action, w.Path, w.Device, w.Flavour, b)
	}
	return ws
}

// unplug is what a reboot does to the kernel's state: br0 gone, eth0
// without addresses, down.
func (r *rig) unplug(t *testing.T) {
	t.Helper()
	h, err := r.Host.Handle()
	must(t, err)
	if br, err := h.LinkByName("br0"); err == nil {
		must(t, h.LinkDel(br))
	}
	eth0, err := h.LinkByName("eth0")
	must(t, err)
	addrs, _ := h.AddrList(eth0, netlink.FAMILY_ALL)
	for _, a := range addrs {
		h.AddrDel(eth0, &a)
	}
	must(t, h.LinkSetNoMaster(eth0))
	must(t, h.LinkSetDown(eth0))
}

// state is br0's and eth0's kernel state, as a reboot must bring it back.
type state struct {
	br0, master string
	addr        string // the 10.0.0.x address and on which device
	dhcp        bool
}

func (r *rig) state() (state, error) {
	var st state
	h, err := r.Host.Handle()
	if err != nil {
		return st, err
	}
	eth0, err := h.LinkByName("eth0")
	if err != nil {
		return st, err
	}
	if br, err := h.LinkByName("br0"); err == nil {
		st.br0 = br.Attrs().HardwareAddr.String()
		if eth0.Attrs().MasterIndex == br.Attrs().Index {
			st.master = "br0"
		}
	}
	for _, dev := range []string{"br0", "eth0"} {
		l, err := h.LinkByName(dev)
		if err != nil {
			continue
		}
		as, _ := h.AddrList(l, netlink.FAMILY_V4)
		for _, a := range as {
			if strings.HasPrefix(a.IP.String(), "10.0.0.") {
				st.addr = dev + " " + a.IPNet.String()
				st.dhcp = a.ValidLft > 0 && uint32(a.ValidLft) != 0xffffffff
			}
		}
	}
	return st, nil
}

// waitState polls until ok accepts the state (bounded).
func (r *rig) waitState(t *testing.T, timeout time.Duration, ok func(state) error, logs ...*managertest.Daemon) state {
	t.Helper()
	var st state
	managertest.Eventually(t, timeout, func() error {
		var err error
		if st, err = r.state(); err != nil {
			return err
		}
		if err := ok(st); err != nil {
			return fmt.Errorf("%w: %+v", err, st)
		}
		return nil
	}, logs...)
	return st
}

// bridged: br0 with eth0's MAC, eth0 its port, the address on br0
// (leased when dhcp).
func bridged(want string, dhcp bool) func(state) error {
	return func(st state) error {
		switch {
		case st.br0 != eth0MAC:
			return fmt.Errorf("br0 has not eth0's MAC")
		case st.master != "br0":
			return fmt.Errorf("eth0 is not br0's port")
		case !strings.HasPrefix(st.addr, "br0 "+want):
			return fmt.Errorf("br0 lacks %s", want)
		case st.dhcp != dhcp:
			return fmt.Errorf("br0's address leased %v, want %v", st.dhcp, dhcp)
		}
		return nil
	}
}

// original: no br0, the address back on eth0.
func original(want string, dhcp bool) func(state) error {
	return func(st state) error {
		switch {
		case st.br0 != "":
			return fmt.Errorf("br0 is there")
		case !strings.HasPrefix(st.addr, "eth0 "+want):
			return fmt.Errorf("eth0 lacks %s", want)
		case st.dhcp != dhcp:
			return fmt.Errorf("eth0's address leased %v, want %v", st.dhcp, dhcp)
		}
		return nil
	}
}

// snapshot is every file under dir with its mode.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		info, _ := d.Info()
		if d.IsDir() {
			out[p+"/"] = info.Mode().String()
			return nil
		}
		b, _ := os.ReadFile(p)
		out[p] = info.Mode().String() + "\n" + string(b)
		return nil
	})
	return out
}

func sameFiles(t *testing.T, before, after map[string]string) {
	t.Helper()
	for p, b := range before {
		if a, ok := after[p]; !ok {
			t.Errorf("after rollback %s is gone", p)
		} else if a != b {
			t.Errorf("after rollback %s differs:\n%s\nwas:\n%s", p, a, b)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("after rollback %s is left", p)
		}
	}
}

// rollback undoes the transaction (the files byte for byte; the kernel's
// changes went with the simulated reboot, and what is left of them is
// the manager's now: undo errors there are logged).
func (r *rig) rollback(t *testing.T) {
	t.Helper()
	rep := r.s.Rollback()
	if err := rep.Err(); err != nil {
		t.Logf("rollback after the reboot: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func itoa(n int) string { return fmt.Sprint(n) }

// migrateAndPersist runs the migration, persists it, and requires the
// files written: their paths under etc with what was done, in order.
func (r *rig) migrateAndPersist(t *testing.T, want string) {
	t.Helper()
	r.migrate(t)
	var paths []string
	for _, w := range r.persist(t) {
		paths = append(paths, strings.TrimPrefix(w.Path, r.sb.Etc+"/")+" "+w.Action)
	}
	if got := strings.Join(paths, ", "); got != want {
		t.Errorf("written: %s\nwant:    %s", got, want)
	}
}
