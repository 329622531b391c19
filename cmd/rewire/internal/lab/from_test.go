package lab

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rewire/bindings/host"
	"rewire/bindings/snapshot"
	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/bindings/virtconn"
)

// fromLab brings up a private lab (its own namespaces, directory and
// libvirtd) from s, or the fixed lab when s is nil, with the `host`
// module's roots pointed at its manager's files; down at the end.
func fromLab(t *testing.T, s *snapshot.Snapshot) *Lab {
	t.Helper()
	if _, err := exec.LookPath("libvirtd"); err != nil {
		t.Skip("libvirtd is not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("the lab needs root (network namespaces)")
	}
	l := &Lab{NetnsDir: t.TempDir(), Dir: t.TempDir(), From: s, FromName: "test snapshot"}
	prev := host.RootsFor
	host.RootsFor = func(tg *target.Target) host.Roots {
		if tg.NetnsPath == l.HostPath() {
			return l.HostRoots()
		}
		return host.DefaultRoots()
	}
	start := time.Now()
	if err := l.Up(func(m string) { t.Log(m) }); err != nil {
		host.RootsFor = prev
		t.Fatalf("lab up: %v", err)
	}
	t.Logf("lab up took %v", time.Since(start))
	t.Cleanup(func() {
		host.RootsFor = prev
		virtconn.Disconnect(l.LibvirtURI())
		if err := l.Down(func(m string) { t.Log(m) }); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	return l
}

// capture is `rewire snapshot --lab`. What cannot be equal between two
// labs is left out of it: the DHCP leases of libvirt's networks (the
// guests' iPXE asks when it asks). Diff itself ignores ifindexes,
// address lifetimes, and when and where a snapshot was taken.
func capture(t *testing.T, l *Lab) *snapshot.Snapshot {
	t.Helper()
	tg := l.Target()
	defer tg.Close()
	s, err := snapshot.Capture(tg, l.HostRoots(), l.LibvirtURI())
	if err != nil {
		t.Fatal(err)
	}
	s.Leases = nil
	return s
}

// The fixed lab, snapshotted, rebuilt from its snapshot and snapshotted
// again, is the same host.
func TestLabFromSnapshotOfTheLab(t *testing.T) {
	var first *snapshot.Snapshot
	t.Run("fixed lab", func(t *testing.T) { first = capture(t, fromLab(t, nil)) })
	if first == nil {
		t.FailNow()
	}
	if len(first.Domains) != 2 || len(first.Networks) != 1 || first.Firewall.IPTables == "" {
		t.Fatalf("the fixed lab's snapshot lacks its guests, network or firewall: %d domains, %d networks", len(first.Domains), len(first.Networks))
	}
	// Through the file, as `rewire snapshot -o` and `lab up --from` pass it.
	b, err := first.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "lab.json")
	os.WriteFile(path, b, 0o600)
	loaded, err := snapshot.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	l := fromLab(t, loaded)
	if len(l.notes) != 0 {
		t.Errorf("the fixed lab's snapshot should leave nothing out, got %q", l.notes)
	}
	second := capture(t, l)
	if d := snapshot.Diff(first, second); len(d) > 0 {
		t.Errorf("the lab made from the lab's snapshot differs:\n%s", strings.Join(d, "\n"))
	}
	if r, ok := l.FromOf(); !ok || r.File != "test snapshot" || !strings.Contains(l.Status()["from"].(string), "test snapshot") {
		t.Errorf("lab status does not say what the lab was made from: %+v %v", r, l.Status()["from"])
	}
}

// A host unlike the lab (testdata/snapshots/enp3s0-dhcp.json): the lab
// made from it has its NIC leasing 192.0.2.10 from the LAN through
// systemd-networkd, its bridges, rule and table-100 route, the libvirt
// network `lan` on br-lan and three guests; the parts this kernel or the
// lab cannot have are named. Then examples/nat-to-bridge.lua enp3s0 br0
// runs, commits, and its rollback gives back exactly the host before.
func TestLabFromForeignHostNATToBridge(t *testing.T) {
	s, err := snapshot.Load(filepath.Join("..", "..", "..", "..", "testdata", "snapshots", "enp3s0-dhcp.json"))
	if err != nil {
		t.Fatal(err)
	}
	l := fromLab(t, s)
	for _, want := range []string{"link bond0 (bond): this kernel has no bond", "domain web: disk vda left out",
		"domain web: 1 graphics left out", "domain backup: host device left out", "domain web: cpu host-passthrough left out"} {
		if !strings.Contains(strings.Join(l.notes, "\n"), want) {
			t.Errorf("left-out lines %q lack %q", l.notes, want)
		}
	}
	before := capture(t, l)
	nic := linkOf(before, "enp3s0")
	if nic == nil || nic.MAC != "00:1b:21:3a:4f:10" || nic.Manager != host.Networkd || len(nic.Addresses) == 0 ||
		nic.Addresses[0].CIDR != "192.0.2.10/24" || nic.Addresses[0].Origin != host.OriginDHCP {
		t.Fatalf("enp3s0 in the lab: %+v", nic)
	}
	for _, br := range []string{"br-lan", "br-stor"} {
		if lk := linkOf(before, br); lk == nil || lk.Kind != "bridge" {
			t.Errorf("bridge %s in the lab: %+v", br, lk)
		}
	}
	if !strings.Contains(strings.Join(ruleLines(before), "\n"), "1000: from 198.51.100.0/24 lookup 100") {
		t.Errorf("rules: %v", ruleLines(before))
	}
	states := map[string]string{}
	for _, d := range before.Domains {
		states[d.Name] = d.State
	}
	if states["web"] != "running" || states["db"] != "running" || states["backup"] != "shutoff" {
		t.Errorf("guests: %v", states)
	}

	st, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res := runRecipe(t, l, st, filepath.Join("..", "..", "..", "..", "examples", "nat-to-bridge.lua"), "", "enp3s0", "br0")
	if res.State != tx.StateCommitted || res.Err != nil {
		t.Fatalf("nat-to-bridge.lua enp3s0 br0: %s %v", res.State, res.Error)
	}
	after := capture(t, l)
	effect := strings.Join(snapshot.Diff(before, after), "\n")
	t.Logf("the recipe's effect:\n%s", effect)
	for _, want := range []string{"+ link br0 (bridge", "~ link enp3s0: master none -> br0", "+ address br0 192.0.2.10/24 (dhcp)",
		`+ domain web xml <interface type="bridge">`, `+ domain db xml <source bridge="br0"></source>`} {
		if !strings.Contains(effect, want) {
			t.Errorf("the recipe's effect lacks %q", want)
		}
	}
	if _, err := st.RollbackCommitted(res.TxID, false, nil); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	// networkd leases enp3s0 again after the rollback: wait for it (bounded).
	var d []string
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		if d = snapshot.Diff(before, capture(t, l)); len(d) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(d) > 0 {
		t.Errorf("after rollback the lab differs from before the recipe:\n%s", strings.Join(d, "\n"))
	}
}

// A guest libvirt refuses stops `lab up --from` in one line naming it,
// with nothing of the lab left up.
func TestLabFromRefusesBadDomain(t *testing.T) {
	if _, err := exec.LookPath("libvirtd"); err != nil || os.Geteuid() != 0 {
		t.Skip("needs libvirtd and root")
	}
	s := &snapshot.Snapshot{Version: snapshot.Version, Hostname: "bad", Links: []snapshot.Link{
		{Name: "lo", Kind: "device", Up: true},
		{Name: "eth0", Kind: "device", MAC: "52:54:00:aa:bb:01", MTU: 1500, Up: true,
			Addresses: []snapshot.Address{{CIDR: "192.0.2.5/24", Origin: "static", ValidLft: -1, PreferredLft: -1}}}},
		Routes: []snapshot.Route{{Table: "main", Dst: "default", Gateway: "192.0.2.1", Dev: "eth0", Protocol: "boot", Scope: "universe", Type: "unicast", Family: "inet"}},
		Domains: []snapshot.Domain{{Name: "broken", State: "running",
			XML: "<domain type='kvm'><name>broken</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os>" +
				"<devices><interface type='bridge'><mac address='52:54:00:zz:00:01'/><source bridge='eth0'/></interface></devices></domain>"}}}
	l := &Lab{NetnsDir: t.TempDir(), Dir: t.TempDir(), From: s, FromName: "bad.json"}
	err := l.Up(func(m string) { t.Log(m) })
	defer l.Down(func(string) {})
	if err == nil {
		t.Fatal("lab up --from a snapshot with a guest libvirt refuses: no error")
	}
	t.Logf("lab up: %v", err)
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "domain broken: libvirt refuses it") {
		t.Errorf("want one line naming the guest, got %q", msg)
	}
	if l.IsUp() || target.IsNS(l.LANPath()) || l.daemonRunning("libvirtd") {
		t.Errorf("the lab is half up: host %v LAN %v libvirtd %v", l.IsUp(), target.IsNS(l.LANPath()), l.daemonRunning("libvirtd"))
	}
}

func linkOf(s *snapshot.Snapshot, name string) *snapshot.Link {
	for i := range s.Links {
		if s.Links[i].Name == name {
			return &s.Links[i]
		}
	}
	return nil
}

func ruleLines(s *snapshot.Snapshot) []string {
	var out []string
	for _, r := range s.Rules {
		out = append(out, snapshot.RuleString(r))
	}
	return out
}
