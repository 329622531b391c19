//go:build cgo

package persist_test

import (
	"os"
	"path/filepath"
	"testing"

	"rewire/bindings/host"
	"rewire/bindings/persist"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/bindings/virtconn"
	"rewire/bindings/virtnet"
)

func netXML(name, bridge, net string) string {
	return `<network><name>` + name + `</name><bridge name='` + bridge + `' stp='on' delay='0'/>` +
		`<ip address='` + net + `.1' netmask='255.255.255.0'/></network>`
}

// A network the transaction defined and started is marked autostart by
// persist (journaled: a rollback clears it); one whose autostart the
// recipe set itself keeps what the recipe said; a dry run sets nothing.
func TestPersistLibvirtAutostart(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/libvirt/node.xml")
	if err != nil {
		t.Fatal(err)
	}
	node := filepath.Join(t.TempDir(), "node.xml")
	must(t, os.WriteFile(node, raw, 0o600))
	st, err := tx.OpenStore(filepath.Join(t.TempDir(), "state"))
	if err != nil {
		t.Fatal(err)
	}
	tg := nstest.New(t)
	tg.LibvirtURI = "test://" + node
	t.Cleanup(func() { virtconn.Disconnect(tg.LibvirtURI) })
	s := &tx.Session{Store: st, Target: tg, Script: "persist-virt-test"}

	for _, n := range []struct{ name, br, net string }{{"lab1", "virbr7", "172.16.7"}, {"lab2", "virbr8", "172.16.8"}} {
		if _, err := virtnet.Define(s, netXML(n.name, n.br, n.net)); err != nil {
			t.Fatal(err)
		}
		must(t, virtnet.Start(s, n.name))
	}
	must(t, virtnet.SetAutostart(s, "lab2", true))
	must(t, virtnet.SetAutostart(s, "lab2", false)) // the recipe's own say
	auto := func(name string) bool {
		in, err := virtnet.Get(tg, name)
		if err != nil {
			t.Fatal(err)
		}
		return in.Autostart
	}
	root := t.TempDir()
	roots := host.Roots{Etc: filepath.Join(root, "etc"), Run: filepath.Join(root, "run"), Var: filepath.Join(root, "var/lib")}

	dry, err := persist.Save(s, persist.Options{Roots: &roots, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(dry) != 1 || dry[0].Path != "network:lab1" || dry[0].Action != "autostart" || auto("lab1") {
		t.Fatalf("dry run: %+v (lab1 autostart %v)", dry, auto("lab1"))
	}
	ws, err := persist.Save(s, persist.Options{Roots: &roots})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || ws[0].Flavour != persist.FlavourVirt || ws[0].Device != "virbr7" {
		t.Fatalf("save: %+v", ws)
	}
	if !auto("lab1") || auto("lab2") {
		t.Errorf("autostart lab1 %v (want true), lab2 %v (want false: the recipe said so)", auto("lab1"), auto("lab2"))
	}
	// Saving again: the transaction has set lab1's autostart now, so
	// there is nothing left for persist to do.
	again, err := persist.Save(s, persist.Options{Roots: &roots})
	if err != nil || len(again) != 0 || !auto("lab1") {
		t.Errorf("second save: %+v %v", again, err)
	}
	steps := s.Current().Steps()
	last := steps[len(steps)-1]
	if last.Kind != "network.autostart" {
		t.Fatalf("last step %s %s", last.Kind, last.Desc)
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	if virtnet.Exists(tg, "lab1") {
		t.Error("lab1 still defined after rollback")
	}
}
