package domain

import (
	"os"
	"strings"
	"testing"

	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/tx"
	"rewire/bindings/virtconn"
)

// defineFixture defines a guest from testdata/libvirt/guests straight on
// the test driver (setup, outside any transaction) and returns its name.
func defineFixture(t *testing.T, s *tx.Session, file string) string {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/libvirt/guests/" + file)
	if err != nil {
		t.Fatal(err)
	}
	if err := define(s.Target, string(raw)); err != nil {
		t.Fatal(err)
	}
	var def libvirtxml.Domain
	if err := def.Unmarshal(string(raw)); err != nil {
		t.Fatal(err)
	}
	return def.Name
}

// secureXML is the persistent XML with secrets, as an admin's backup has it.
func secureXML(t *testing.T, s *tx.Session, name string) string {
	t.Helper()
	c, err := virtconn.Connect(s.Target)
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.LookupDomainByName(name)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Free()
	x, err := d.GetXMLDesc(libvirt.DOMAIN_XML_INACTIVE | libvirt.DOMAIN_XML_SECURE)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestNICChangesKeepSecrets: re-pointing, attaching and detaching NICs in
// the persistent XML of a guest with a VNC password and a disk cookie
// keeps both (a redefine from XML read without DOMAIN_XML_SECURE drops
// them: the console would be open until rollback), and rollback restores
// the XML with its secrets exactly.
func TestNICChangesKeepSecrets(t *testing.T) {
	s := testDriver(t)
	addBridge(t, s.Target, "br0")
	name := defineFixture(t, s, "secrets.xml")
	before := secureXML(t, s, name)
	secrets := func(step string) {
		t.Helper()
		var def libvirtxml.Domain
		if err := def.Unmarshal(secureXML(t, s, name)); err != nil {
			t.Fatal(err)
		}
		if g := def.Devices.Graphics; len(g) != 1 || g[0].VNC == nil || g[0].VNC.Passwd != "s3cret" {
			t.Errorf("%s: VNC password lost: %+v", step, g)
		}
		if !strings.Contains(secureXML(t, s, name), "<cookie name='session'>c00kie</cookie>") {
			t.Errorf("%s: disk cookie lost", step)
		}
	}
	secrets("fixture")
	cfg := Scope{Config: true}
	if err := SetInterface(s, name, "52:54:00:aa:00:01", Source{Type: "bridge", Source: "br0"}, cfg); err != nil {
		t.Fatal(err)
	}
	secrets("re-point")
	mac, err := AttachInterface(s, name, Source{Type: "network", Source: "default"}, "", cfg)
	if err != nil {
		t.Fatal(err)
	}
	secrets("attach")
	if err := DetachInterface(s, name, mac, cfg); err != nil {
		t.Fatal(err)
	}
	secrets("detach")
	for _, st := range s.Current().Steps() {
		if !strings.Contains(string(st.Data), "passwd='s3cret'") {
			t.Errorf("journaled prior state of %q lacks the VNC password", st.Desc)
		}
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	if after := secureXML(t, s, name); after != before {
		t.Fatalf("rollback did not restore the XML with its secrets:\n%s\nwant\n%s", after, before)
	}
}
