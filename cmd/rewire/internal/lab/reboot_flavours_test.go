package lab

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"rewire/bindings/domain"
	"rewire/bindings/handover"
	"rewire/bindings/host"
	"rewire/bindings/modules"
	"rewire/bindings/persist"
	"rewire/bindings/probe"
	"rewire/bindings/tx"
	"rewire/lua/engine"
	"rewire/lua/script"
)

// TestLabRebootPersistFlavours is issue 15's fast tier: for each manager
// flavour of the lab, with a static and a DHCP uplink,
// examples/nat-to-bridge.lua with the hand-over (as `rewire run --lab
// --persist` runs it), then `lab reboot`: the manager, started from its
// files alone, owns br0 with eth0 as its port and the host address (a
// lease where it was one), no device of its is failed, the LAN reaches
// the host, the guests (autostart) run again with their NICs in br0.
// Then `rewire rollback` of that run and `lab reboot` again: every file
// under the lab host's etc is as before the run, byte for byte, eth0 has
// its address from its manager again, br0 is gone, the guests are back
// on network default. No lease-renewal waits here: the renewal tests are
// bindings/handover's.
//
// The lab has no netplan flavour (netplan's output is networkd's or
// NetworkManager's, both run here); persist's netplan renderer is tested
// by bindings/persist and on the Debian VM.
func TestLabRebootPersistFlavours(t *testing.T) {
	for _, c := range []struct {
		f    Flavour
		want string
	}{
		{Flavour{Manager: ManagerNetworkd}, host.Networkd},
		{Flavour{Manager: ManagerNetworkd, DHCP: true}, host.Networkd},
		{Flavour{Manager: ManagerNM}, host.NetworkManager},
		{Flavour{Manager: ManagerNM, DHCP: true}, host.NetworkManager},
		{Flavour{Manager: ManagerIfupdown}, host.Ifupdown},
		{Flavour{Manager: ManagerIfupdown, DHCP: true}, host.Ifupdown},
	} {
		name := c.f.Manager + "/static"
		if c.f.DHCP {
			name = c.f.Manager + "/dhcp"
		}
		t.Run(name, func(t *testing.T) { persistRebootRoundTrip(t, c.f, c.want) })
	}
}

func persistRebootRoundTrip(t *testing.T, f Flavour, want string) {
	l := managedLab(t, f)
	checkManaged(t, l, f, want)
	before := etcTree(t, l.hostFile("etc"))
	st, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	res := runPersist(t, l, st, true)
	if res.Err != nil {
		t.Fatalf("rewire run --lab --persist nat-to-bridge.lua: %v", res.Err)
	}

	fig := rebootLab(t, l)
	up := waitBridged(t, l, f, want)
	t.Logf("FIGURES %s dhcp=%v persisted: lab reboot %.2fs, %s start to host address on %s %.2fs, checks passed %.2fs after the reboot",
		f.Manager, f.DHCP, fig.total, f.Manager, fig.dev, fig.addrAfterStart, up.Seconds())

	undo := func(r tx.UndoResult) { t.Logf("%s", r) }
	rep, err := st.RollbackCommitted(res.TxID, false, undo)
	if err != nil {
		tg := l.Target()
		r, _ := tg.Run(nil, "ip", "route")
		tg.Close()
		t.Fatalf("rewire rollback %s after the reboot: %v\n%s%s", res.TxID, err, r, managerFiles(l, f))
	}
	if err := rep.Err(); err != nil {
		t.Fatalf("rewire rollback %s: %v", res.TxID, err)
	}
	fig = rebootLab(t, l)
	up = waitOriginal(t, l, f, want)
	t.Logf("FIGURES %s dhcp=%v rolled back: lab reboot %.2fs, %s start to host address on %s %.2fs, checks passed %.2fs after the reboot",
		f.Manager, f.DHCP, fig.total, f.Manager, fig.dev, fig.addrAfterStart, up.Seconds())
	if after := etcTree(t, l.hostFile("etc")); !sameTree(t, before, after) {
		t.Errorf("after rollback + reboot the lab host's etc is not as before the run")
	}
}

// runPersist is `rewire run --lab --persist examples/nat-to-bridge.lua`
// (persist.Save after the script, inside its transaction).
func runPersist(t *testing.T, l *Lab, st *tx.Store, withHandover bool) *script.Result {
	t.Helper()
	file := filepath.Join("..", "..", "..", "..", "examples", "nat-to-bridge.lua")
	tg := l.Target()
	t.Cleanup(tg.Close)
	if !withHandover {
		defer handover.Disable(tg)()
	}
	s := &tx.Session{Store: st, Target: tg, Script: file}
	var out strings.Builder
	e := engine.New(&out, modules.All(s)...)
	defer e.Close()
	start := time.Now()
	res := script.Run(context.Background(), s, e, script.Options{File: file, AfterScript: func(s *tx.Session) error {
		written, err := persist.Save(s, persist.Options{})
		for _, w := range written {
			t.Logf("persist: %s %s (%s, %s)", w.Action, w.Path, w.Device, w.Flavour)
		}
		return err
	}})
	t.Logf("nat-to-bridge.lua --persist (hand-over %v): %s in %v, output:\n%s", withHandover, res.State, time.Since(start), out.String())
	return res
}

type rebootFigures struct {
	total          float64 // seconds of Reboot
	addrAfterStart float64 // manager started → host address with its default route
	dev            string  // the link that holds it
}

// rebootLab runs Reboot, logs its steps and reads its figures from them.
func rebootLab(t *testing.T, l *Lab) rebootFigures {
	t.Helper()
	var fig rebootFigures
	var started float64
	start := time.Now()
	err := l.Reboot(func(m string) {
		t.Log(m)
		secs, rest, _ := strings.Cut(strings.TrimSpace(m), "s ")
		v, _ := strconv.ParseFloat(secs, 64)
		if strings.Contains(rest, " started from ") {
			started = v
		}
		if i := strings.Index(rest, HostIP+" on "); i >= 0 && strings.Contains(rest, " brought ") {
			fig.addrAfterStart = v - started
			fig.dev = strings.TrimSuffix(strings.Fields(rest[i+len(HostIP+" on "):])[0], ",")
		}
	})
	fig.total = time.Since(start).Seconds()
	if err != nil {
		t.Fatalf("lab reboot: %v", err)
	}
	return fig
}

// waitBridged waits (bounded) for the persisted topology after a reboot
// and returns how long after the reboot all of it held.
func waitBridged(t *testing.T, l *Lab, f Flavour, want string) time.Duration {
	t.Helper()
	return waitHost(t, l, f, func() []string {
		var bad []string
		br := eth0(t, l, "br0")
		if br.Index == 0 {
			return []string{"no br0"}
		}
		bad = append(bad, hostAddrProblems(br, f, want)...)
		nic := eth0(t, l, NIC)
		if m := masterOf(l, NIC); m != "br0" {
			bad = append(bad, fmt.Sprintf("eth0's master is %q (eth0: %s %s)", m, nic.Manager, nic.State))
		}
		if hostAddr(nic) != nil {
			bad = append(bad, "eth0 still holds "+HostIP)
		}
		return append(bad, guestProblems(l, "br0", "br0")...)
	})
}

// waitOriginal waits (bounded) for the host as the lab made it.
func waitOriginal(t *testing.T, l *Lab, f Flavour, want string) time.Duration {
	t.Helper()
	return waitHost(t, l, f, func() []string {
		var bad []string
		tg := l.Target()
		if _, err := tg.LinkByName("br0"); err == nil {
			bad = append(bad, "br0 exists")
		}
		tg.Close()
		nic := eth0(t, l, NIC)
		bad = append(bad, hostAddrProblems(nic, f, want)...)
		if m := masterOf(l, NIC); m != "" {
			bad = append(bad, "eth0's master is "+m)
		}
		return append(bad, guestProblems(l, "default", "virbr0")...)
	})
}

// waitHost polls cond (what is still wrong) plus what every state must
// have — no device of the manager failed, the LAN reaches the host —
// for 30 s, and fails with what was last wrong.
func waitHost(t *testing.T, l *Lab, f Flavour, cond func() []string) time.Duration {
	t.Helper()
	start := time.Now()
	var bad []string
	for deadline := start.Add(30 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		bad = append(cond(), failedDevices(t, l)...)
		if len(bad) == 0 {
			if err := lanReaches(l); err != nil {
				bad = append(bad, err.Error())
			}
		}
		if len(bad) == 0 {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			tg := l.Target()
			a, _ := tg.Run(nil, "ip", "-br", "addr")
			r, _ := tg.Run(nil, "ip", "route")
			tg.Close()
			t.Fatalf("after 30 s: %s\n%s%s%s", strings.Join(bad, "; "), a, r, l.logTail(procName(f)))
		}
	}
}

// hostAddrProblems: d holds HostIP from the manager, as a lease for DHCP.
func hostAddrProblems(d host.Device, f Flavour, want string) []string {
	a := hostAddr(d)
	switch {
	case a == nil:
		return []string{fmt.Sprintf("%s does not hold %s: %+v", d.Name, HostIP, d.Addresses)}
	case d.Manager != want:
		return []string{fmt.Sprintf("%s is managed by %q (%s), not %s", d.Name, d.Manager, d.State, want)}
	case f.DHCP && (a.Origin != host.OriginDHCP || a.ValidLft == host.Forever || a.ValidLft > 120):
		return []string{fmt.Sprintf("%s's %s is not a lease: %+v", d.Name, HostIP, *a)}
	case !f.DHCP && a.Origin != host.OriginStatic:
		return []string{fmt.Sprintf("%s's %s is not static: %+v", d.Name, HostIP, *a)}
	}
	return nil
}

// failedDevices are the devices the manager reports failed.
func failedDevices(t *testing.T, l *Lab) []string {
	tg := l.Target()
	defer tg.Close()
	ds, err := host.Devices(tg, l.HostRoots())
	if err != nil {
		return []string{"host.Devices: " + err.Error()}
	}
	var bad []string
	for _, d := range ds {
		if strings.Contains(d.State, "failed") {
			bad = append(bad, fmt.Sprintf("%s is %s (%s)", d.Name, d.State, d.Manager))
		}
	}
	return bad
}

func masterOf(l *Lab, dev string) string {
	tg := l.Target()
	defer tg.Close()
	lk, err := tg.LinkByName(dev)
	if err != nil || lk.Attrs().MasterIndex == 0 {
		return ""
	}
	m, err := tg.LinkByIndex(lk.Attrs().MasterIndex)
	if err != nil {
		return "?"
	}
	return m.Attrs().Name
}

// guestProblems: every lab guest runs (they are autostart) with its NIC
// on source and its tap a port of bridge.
func guestProblems(l *Lab, source, bridge string) []string {
	tg := l.Target()
	defer tg.Close()
	var bad []string
	for _, g := range Guests {
		info, err := domain.Get(tg, g.Name)
		if err != nil {
			bad = append(bad, g.Name+": "+err.Error())
			continue
		}
		if info.State != "running" {
			bad = append(bad, g.Name+" is "+info.State)
			continue
		}
		nics, err := domain.Interfaces(tg, g.Name)
		if err != nil || len(nics) != 1 {
			bad = append(bad, fmt.Sprintf("%s NICs %+v %v", g.Name, nics, err))
			continue
		}
		if nics[0].Source != source || masterOf(l, nics[0].Dev) != bridge {
			bad = append(bad, fmt.Sprintf("%s NIC on %s, tap %s in %q, want %s in %s", g.Name, nics[0].Source, nics[0].Dev, masterOf(l, nics[0].Dev), source, bridge))
		}
	}
	return bad
}

// lanReaches pings the host from the LAN.
func lanReaches(l *Lab) error {
	lan := l.LAN()
	defer lan.Close()
	ip := strings.Split(HostIP, "/")[0]
	ok, err := probe.Ping(lan, ip, probe.Options{Timeout: time.Second, Count: 1})
	if err != nil {
		return fmt.Errorf("ping %s from the LAN: %v", ip, err)
	}
	if !ok {
		return fmt.Errorf("the LAN does not reach %s", ip)
	}
	return nil
}

// etcTree is every entry under dir: a file's mode and sha256, a
// symlink's target, a directory.
func etcTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			to, _ := os.Readlink(p)
			m[rel] = "-> " + to
		case d.IsDir():
			m[rel] = "dir " + info.Mode().Perm().String()
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			m[rel] = fmt.Sprintf("%s sha256:%x (%d bytes)", info.Mode().Perm(), sha256.Sum256(b), len(b))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sameTree reports (and logs) every entry that differs.
func sameTree(t *testing.T, a, b map[string]string) bool {
	t.Helper()
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var diff []string
	for k := range keys {
		if a[k] != b[k] {
			diff = append(diff, fmt.Sprintf("%s: %q, then %q", k, a[k], b[k]))
		}
	}
	sort.Strings(diff)
	for _, d := range diff {
		t.Log(d)
	}
	if len(diff) == 0 {
		t.Logf("%d entries under etc, all as they were", len(a))
	}
	return len(diff) == 0
}

// managerFiles is the text of the flavour's files under the lab host's
// etc, for a failure's message.
func managerFiles(l *Lab, f Flavour) string {
	dir := map[string]string{ManagerNM: "NetworkManager/system-connections", ManagerNetworkd: "systemd/network", ManagerIfupdown: "network/interfaces.d"}[f.Manager]
	var b strings.Builder
	ps, _ := filepath.Glob(filepath.Join(l.hostFile("etc"), dir, "*"))
	for _, p := range ps {
		c, _ := os.ReadFile(p)
		fmt.Fprintf(&b, "--- %s\n%s", p, c)
	}
	return b.String()
}
