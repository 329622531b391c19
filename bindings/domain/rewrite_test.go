package domain

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"libvirt.org/go/libvirtxml"
)

// TestRepointChangesOnlyThatNIC re-points every NIC of every corpus
// domain, one at a time, to a bridge, and checks as parsed structs that
// the rewritten XML differs from the original only in that NIC's source.
func TestRepointChangesOnlyThatNIC(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/libvirt/domains/*.xml")
	if len(files) < 4 {
		t.Fatalf("domain XML corpus missing: %v", files)
	}
	nics := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var orig libvirtxml.Domain
		if err := orig.Unmarshal(string(raw)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, n := range orig.Devices.Interfaces {
			nics++
			out, err := RepointXML(string(raw), NICRef{MAC: n.MAC.Address}, Source{Type: "bridge", Source: "br0"})
			if err != nil {
				t.Fatalf("%s NIC %s: %v", f, n.MAC.Address, err)
			}
			var got libvirtxml.Domain
			if err := got.Unmarshal(out); err != nil {
				t.Fatalf("%s: rewritten XML does not parse: %v", f, err)
			}
			gn := got.Devices.Interfaces[i]
			if NICType(&gn) != "bridge" || NICSource(&gn) != "br0" {
				t.Errorf("%s NIC %d: got %s %s, want bridge br0", f, i, NICType(&gn), NICSource(&gn))
			}
			if gn.MAC.Address != n.MAC.Address || !reflect.DeepEqual(gn.Address, n.Address) ||
				!reflect.DeepEqual(gn.Model, n.Model) || !reflect.DeepEqual(gn.Boot, n.Boot) || !reflect.DeepEqual(gn.Driver, n.Driver) {
				t.Errorf("%s NIC %d: MAC, PCI address, model, boot order or driver changed:\n%s", f, i, out)
			}
			// Put the old source back: the whole domain must equal the original.
			got.Devices.Interfaces[i].Source = n.Source
			if !reflect.DeepEqual(&got, &orig) {
				t.Errorf("%s: re-pointing NIC %d changed more than that NIC's source:\n%s", f, i, out)
			}
		}
	}
	if nics < 10 {
		t.Errorf("corpus has only %d NICs", nics)
	}
}

func TestRepointXMLBadInput(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/libvirt/domains/lab-seed.xml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RepointXML(string(raw), NICRef{MAC: "52:54:00:99:99:99"}, Source{Type: "bridge", Source: "br0"}); err == nil ||
		err.Error() != "domain vm1 has no NIC with MAC 52:54:00:99:99:99 (in its XML)" {
		t.Errorf("unknown MAC: %v", err)
	}
	if _, err := RepointXML("<domain><name>x", NICRef{MAC: "52:54:00:00:01:01"}, Source{Type: "bridge", Source: "br0"}); err == nil {
		t.Error("malformed XML accepted")
	}
	for _, s := range []Source{{}, {Type: "direct", Source: "eth0"}, {Type: "bridge"}} {
		if err := s.Validate(); err == nil {
			t.Errorf("source %+v accepted", s)
		}
	}
}
