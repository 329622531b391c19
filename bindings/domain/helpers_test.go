package domain

import (
	"os"
	"path/filepath"
	"testing"

	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/bindings/virtconn"
)

// testDriver gives a session whose target is a fresh namespace and whose
// libvirt is the test driver loaded from a private copy of the node
// fixture, so each test starts from the file.
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

func inactiveXML(t *testing.T, s *tx.Session, name string) string {
	t.Helper()
	x, err := XML(s.Target, name, true)
	if err != nil {
		t.Fatal(err)
	}
	return x
}
