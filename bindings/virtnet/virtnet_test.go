package virtnet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/bindings/virtconn"
	"rewire/lua/engine"
)

func testDriver(t *testing.T) *tx.Session {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/libvirt/node.xml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "node.xml")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tg := nstest.New(t)
	tg.LibvirtURI = "test://" + path
	t.Cleanup(func() { virtconn.Disconnect(tg.LibvirtURI) })
	return &tx.Session{Store: st, Target: tg, Script: "test"}
}

func TestListGet(t *testing.T) {
	s := testDriver(t)
	all, err := List(s.Target)
	if err != nil {
		t.Fatal(err)
	}
	want := []Summary{{Name: "default", Active: true, Bridge: "virbr0", Forward: "nat"}, {Name: "isolated", Active: true, Bridge: "virbr2", Forward: "none"}}
	if len(all) != 2 || all[0] != want[0] || all[1] != want[1] {
		t.Fatalf("list: %+v", all)
	}
	in, err := Get(s.Target, "default")
	if err != nil {
		t.Fatal(err)
	}
	if len(in.IPs) != 1 || in.IPs[0].Address != "192.168.122.1" || in.IPs[0].Prefix != 24 ||
		len(in.IPs[0].Ranges) != 1 || in.IPs[0].Ranges[0] != (Range{"192.168.122.2", "192.168.122.254"}) {
		t.Fatalf("get default: %+v", in.IPs)
	}
	if _, err := Get(s.Target, "nope"); err == nil || err.Error() != "no network named nope" || engine.KindOf(err) != engine.KindNotFound {
		t.Fatalf("unknown network: %v", err)
	}
}

const isolatedS4 = `<network>
  <name>lab-isolated</name>
  <bridge name='virbr7' stp='on' delay='0'/>
  <ip address='172.16.7.1' netmask='255.255.255.0'>
    <dhcp><range start='172.16.7.2' end='172.16.7.254'/></dhcp>
  </ip>
</network>`

// TestDefineStartRollback defines and starts an isolated network (S4),
// toggles autostart, then rolls everything back: the network is gone.
func TestDefineStartRollback(t *testing.T) {
	s := testDriver(t)
	if _, err := Define(s, isolatedS4); err != nil {
		t.Fatal(err)
	}
	if err := Start(s, "lab-isolated"); err != nil {
		t.Fatal(err)
	}
	if err := SetAutostart(s, "lab-isolated", true); err != nil {
		t.Fatal(err)
	}
	in, err := Get(s.Target, "lab-isolated")
	if err != nil || !in.Active || !in.Autostart || in.Forward != "none" || in.UUID == "" {
		t.Fatalf("after define+start: %+v %v", in, err)
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	if Exists(s.Target, "lab-isolated") {
		t.Fatal("network still defined after rollback")
	}
}

// TestDestroyUndefineRollback stops and undefines the default network,
// then rolls back: same XML (UUID included), active again.
func TestDestroyUndefineRollback(t *testing.T) {
	s := testDriver(t)
	before, err := Get(s.Target, "default")
	if err != nil {
		t.Fatal(err)
	}
	if err := Destroy(s, "default"); err != nil {
		t.Fatal(err)
	}
	if err := Undefine(s, "default"); err != nil {
		t.Fatal(err)
	}
	if Exists(s.Target, "default") {
		t.Fatal("default still there")
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	after, err := Get(s.Target, "default")
	if err != nil || after.XML != before.XML || !after.Active {
		t.Fatalf("after rollback: %+v %v\nwant %s", after, err, before.XML)
	}
}

func TestDHCPHostRollback(t *testing.T) {
	s := testDriver(t)
	before, _ := Get(s.Target, "isolated")
	if err := DHCPHostAdd(s, "isolated", Host{MAC: "52:54:00:AA:BB:01", IP: "172.16.1.20", Name: "web"}); err != nil {
		t.Fatal(err)
	}
	if err := DHCPHostRemove(s, "isolated", "52:54:00:11:22:33"); err != nil {
		t.Fatal(err)
	}
	in, _ := Get(s.Target, "isolated")
	if h := in.IPs[0].Hosts; len(h) != 1 || h[0] != (Host{MAC: "52:54:00:aa:bb:01", IP: "172.16.1.20", Name: "web"}) {
		t.Fatalf("hosts: %+v", h)
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	after, _ := Get(s.Target, "isolated")
	if after.XML != before.XML {
		t.Fatalf("rollback: %s\nwant %s", after.XML, before.XML)
	}
}

func TestBadInput(t *testing.T) {
	s := testDriver(t)
	for name, err := range map[string]error{
		"malformed XML": func() error { _, err := Define(s, "<network><name>x</name"); return err }(),
		"no name":       func() error { _, err := Define(s, "<network/>"); return err }(),
		"bad MAC":       DHCPHostAdd(s, "isolated", Host{MAC: "52:54", IP: "172.16.1.9"}),
		"bad IP":        DHCPHostAdd(s, "isolated", Host{MAC: "52:54:00:00:00:09", IP: "172.16.1.300"}),
		"dup MAC":       DHCPHostAdd(s, "isolated", Host{MAC: "52:54:00:11:22:33", IP: "172.16.1.9"}),
		"unknown MAC":   DHCPHostRemove(s, "isolated", "52:54:00:00:00:09"),
		"unknown net":   Start(s, "nope"),
	} {
		if err == nil || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "virError") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if s.Current() != nil && len(s.Current().Steps()) > 0 {
		t.Fatalf("bad input made changes: %+v", s.Current().Steps())
	}
}
