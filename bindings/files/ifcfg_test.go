package files_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"rewire/bindings/bond"
	"rewire/bindings/modules"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// bridgedHost is S2 after the migration, in a fresh namespace: eth0 a
// port of br0, br0 holding 10.0.0.111/24 and the default route.
func bridgedHost(t *testing.T) *tx.Session {
	t.Helper()
	tg := nstest.New(t)
	h, err := tg.Handle()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "eth0"}, PeerName: "lan0"}); err != nil {
		t.Fatal(err)
	}
	st, err := tx.OpenStore(filepath.Join(t.TempDir(), "state"))
	if err != nil {
		t.Fatal(err)
	}
	s := &tx.Session{Store: st, Target: tg}
	if lerr := luaIn(s, nil, `
		bridge.create("br0", { stp = false, forward_delay = 0 })
		bridge.add_port("br0", "eth0")
		link.set("lan0", { up = true })
		addr.add("br0", "10.0.0.111/24")
		route.add({ dst = "default", gateway = "10.0.0.1", dev = "br0" })`); lerr != nil {
		t.Fatal(lerr)
	}
	if _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	return s
}

func luaIn(s *tx.Session, grant engine.Caps, src string) *engine.Error {
	e := engine.New(nil, modules.Kernel(s)...)
	defer e.Close()
	e.Grant(grant)
	return e.DoString(context.Background(), src, "t.lua")
}

var filesCap = engine.Caps{engine.CapFiles: true}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestIfcfgPersistsTheLiveBridgeAndRollbackRemovesIt(t *testing.T) {
	s := bridgedHost(t)
	root := t.TempDir()
	dir := filepath.Join(root, "network-scripts")
	if lerr := luaIn(s, filesCap, `
		local ifcfg = require "ifcfg"
		ifcfg.write({ "br0", "eth0", "lan0" }, { dir = "`+dir+`", dns = { "10.0.0.1" }, delay = 0 })`); lerr != nil {
		t.Fatal(lerr)
	}
	want := map[string]string{
		"ifcfg-br0": "DEVICE=br0\nTYPE=Bridge\nONBOOT=yes\nBOOTPROTO=none\nIPADDR=10.0.0.111\nPREFIX=24\nGATEWAY=10.0.0.1\n" +
			"STP=off\nDELAY=0\nNM_CONTROLLED=no\nDNS1=10.0.0.1\n",
		"ifcfg-eth0": "DEVICE=eth0\nTYPE=Ethernet\nONBOOT=yes\nBOOTPROTO=none\nBRIDGE=br0\nNM_CONTROLLED=no\n",
		"ifcfg-lan0": "DEVICE=lan0\nTYPE=Ethernet\nONBOOT=yes\nBOOTPROTO=none\nNM_CONTROLLED=no\nDNS1=10.0.0.1\n",
	}
	for name, content := range want {
		if got := read(t, filepath.Join(dir, name)); got != content {
			t.Errorf("%s:\n%s\nwant:\n%s", name, got, content)
		}
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(root); len(left) != 0 {
		t.Fatalf("rollback left %v", left)
	}
}

// An ifcfg file already there (the NIC's own, with its address) is
// rewritten, and rollback puts the old one back byte for byte.
func TestIfcfgRollbackRestoresTheFilesThatWereThere(t *testing.T) {
	s := bridgedHost(t)
	dir := t.TempDir()
	old := "DEVICE=eth0\nONBOOT=yes\nIPADDR=10.0.0.111\nPREFIX=24\nGATEWAY=10.0.0.1\n"
	p := filepath.Join(dir, "ifcfg-eth0")
	os.WriteFile(p, []byte(old), 0o600)
	if lerr := luaIn(s, filesCap, `require("ifcfg").write("eth0", { dir = "`+dir+`" })`); lerr != nil {
		t.Fatal(lerr)
	}
	if got := read(t, p); strings.Contains(got, "IPADDR") || !strings.Contains(got, "BRIDGE=br0\n") {
		t.Fatalf("the port kept its address:\n%s", got)
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if got := read(t, p); got != old || st.Mode().Perm() != 0o600 {
		t.Fatalf("after rollback (%v):\n%s", st.Mode(), got)
	}
}

func TestIfcfgBadInputChangesNothing(t *testing.T) {
	s := bridgedHost(t)
	dir := t.TempDir()
	for src, want := range map[string]string{
		`require("ifcfg").write({ "br0", "eth9" }, { dir = "` + dir + `" })`: "link.get eth9: ",
		`require("ifcfg").write("br0", { dir = "` + dir + `", gw = 1 })`:     "ifcfg.write: unknown option gw",
		`require("ifcfg").write("br0", { dir = "relative" })`:                "files.write relative/ifcfg-br0: path must be absolute",
	} {
		lerr := luaIn(s, filesCap, src)
		if lerr == nil || !strings.Contains(lerr.Error(), want) || strings.Contains(lerr.Error(), "\n") {
			t.Errorf("%s:\n got %v\nwant %s", src, lerr, want)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("bad input wrote %v", left)
	}
	if t2 := s.Current(); t2 != nil && t2.Live() != 0 {
		t.Fatalf("bad input left %d changes", t2.Live())
	}
}

func TestIfcfgNeedsTheFilesCapability(t *testing.T) {
	s := bridgedHost(t)
	lerr := luaIn(s, nil, `require "ifcfg"`)
	if lerr == nil || lerr.Kind != engine.KindDenied || !strings.Contains(lerr.Error(), "require ifcfg: the module asks for files") {
		t.Fatalf("want require denied, got %v", lerr)
	}
}

// S3's layout on a kernel with bonding: slaves, bond0 in a bridge.
func TestIfcfgPersistsBondThenBridge(t *testing.T) {
	if err := bond.Supported(); err != nil {
		t.Skip(err)
	}
	s := bridgedHost(t)
	h, _ := s.Target.Handle()
	for _, n := range []string{"ens32", "ens36"} {
		if err := h.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: n}, PeerName: "p-" + n}); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if lerr := luaIn(s, filesCap, `
		bond.create("bond0", { mode = "active-backup", miimon = 100, slaves = { "ens32", "ens36" } })
		bridge.create("virbr1", { stp = false })
		bridge.add_port("virbr1", "bond0")
		require("ifcfg").write({ "ens32", "bond0" }, { dir = "`+dir+`" })`); lerr != nil {
		t.Fatal(lerr)
	}
	want := map[string]string{
		"ifcfg-ens32": "DEVICE=ens32\nTYPE=Ethernet\nONBOOT=yes\nBOOTPROTO=none\nMASTER=bond0\nSLAVE=yes\nNM_CONTROLLED=no\n",
		"ifcfg-bond0": "DEVICE=bond0\nTYPE=Bond\nONBOOT=yes\nBOOTPROTO=none\nBONDING_MASTER=yes\nBONDING_OPTS=\"mode=1 miimon=100\"\nBRIDGE=virbr1\nNM_CONTROLLED=no\n",
	}
	for name, content := range want {
		if got := read(t, filepath.Join(dir, name)); got != content {
			t.Errorf("%s:\n%s\nwant:\n%s", name, got, content)
		}
	}
	s.Rollback()
}

// Without bonding in this kernel, render is checked on the fields describe
// makes for S3's bond and slave: key order and quoting.
func TestIfcfgRendersBondAndSlave(t *testing.T) {
	s := bridgedHost(t)
	e := engine.New(nil, modules.Kernel(s)...)
	defer e.Close()
	e.Grant(filesCap)
	var out strings.Builder
	e.Out = &out
	lerr := e.DoString(context.Background(), `
		local ifcfg = require "ifcfg"
		print(ifcfg.render({ DEVICE = "bond0", TYPE = "Bond", ONBOOT = "yes", BOOTPROTO = "none", BONDING_MASTER = "yes",
			BONDING_OPTS = "mode=1 miimon=100", BRIDGE = "virbr1", NM_CONTROLLED = "no" }))
		print(ifcfg.render({ DEVICE = "ens32", TYPE = "Ethernet", MASTER = "bond0", SLAVE = "yes" }))`, "t.lua")
	if lerr != nil {
		t.Fatal(lerr)
	}
	want := "DEVICE=bond0\nTYPE=Bond\nONBOOT=yes\nBOOTPROTO=none\nBONDING_MASTER=yes\nBONDING_OPTS=\"mode=1 miimon=100\"\nBRIDGE=virbr1\nNM_CONTROLLED=no\n\n" +
		"DEVICE=ens32\nTYPE=Ethernet\nMASTER=bond0\nSLAVE=yes\n\n"
	if out.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}
