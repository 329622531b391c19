//go:build cgo

package snapshot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"libvirt.org/go/libvirt"
)

// secretDomain has a VNC password, a network disk whose auth names a
// Ceph secret, and a LUKS-encrypted disk: what a production guest has.
const secretDomain = `<domain type='test'>
  <name>secretive</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='network' device='disk'>
      <source protocol='rbd' name='pool/image'>
        <host name='ceph1.example' port='6789'/>
        <auth username='libvirt-admin'>
          <secret type='ceph' uuid='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87'/>
        </auth>
      </source>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <source file='/var/lib/libvirt/images/enc.qcow2'>
        <encryption format='luks'><secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/></encryption>
      </source>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <interface type='network'><mac address='52:54:00:12:34:56'/><source network='default'/></interface>
    <graphics type='vnc' port='-1' passwd='hunter2-vnc'/>
  </devices>
</domain>`

// The secrets of a guest defined in libvirt's test driver never reach
// the snapshot file, and the snapshot says what it took out.
func TestSnapshotFileHoldsNoSecrets(t *testing.T) {
	c, err := libvirt.NewConnect("test:///default")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := c.DomainDefineXML(secretDomain)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { d.Undefine(); d.Free() }()
	// libvirt itself keeps them: the test is about what rewire writes.
	full, err := d.GetXMLDesc(libvirt.DOMAIN_XML_SECURE | libvirt.DOMAIN_XML_INACTIVE)
	if err != nil || !strings.Contains(full, "hunter2-vnc") || !strings.Contains(full, "2ec115d7") {
		t.Fatalf("libvirt lost the secrets it was given (%v):\n%s", err, full)
	}
	s := &Snapshot{Version: Version}
	if err := captureLibvirt("test:///default", s); err != nil {
		t.Fatal(err)
	}
	b, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "host.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	file, _ := os.ReadFile(path)
	for _, secret := range []string{"hunter2-vnc", "2ec115d7-3a88-3ceb-bc12-0ac909a6fd87", "libvirt-admin",
		"0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f", "<auth", "<secret", "passwd"} {
		if strings.Contains(string(file), secret) {
			t.Errorf("the snapshot file holds %q", secret)
		}
	}
	var got *Domain
	for i := range s.Domains {
		if s.Domains[i].Name == "secretive" {
			got = &s.Domains[i]
		}
	}
	if got == nil {
		t.Fatalf("domain secretive not in the snapshot: %+v", s.Domains)
	}
	if !strings.Contains(got.XML, "52:54:00:12:34:56") || !strings.Contains(got.XML, "pool/image") {
		t.Errorf("the NIC or the disk went with the secrets:\n%s", got.XML)
	}
	t.Logf("stripped: %v", got.Stripped)
	if strings.Join(got.Stripped, ",") != "disk vda source auth,disk vdb source encryption" {
		t.Errorf("stripped = %q", got.Stripped)
	}
}
