package snapshot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rewire/bindings/errkind"
)

// Bad snapshot files are refused in one line of kind invalid.
func TestLoadRefusesBadFiles(t *testing.T) {
	good, err := (&Snapshot{Version: Version, Links: []Link{{Name: "eth0", Kind: "device"}}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cases := map[string]struct{ body, want string }{
		"unknown version": {`{"version": 99, "links": []}`, "format version 99"},
		"truncated":       {string(good[:len(good)/2]), "truncated"},
		"no version":      {`{"links": []}`, "no version field"},
		"unknown field":   {`{"version": 1, "linx": []}`, `unknown field "linx"`},
		"dangling master": {`{"version": 1, "links": [{"name": "eth0", "master": "br9"}]}`, "its master br9"},
	}
	for name, c := range cases {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		os.WriteFile(p, []byte(c.body), 0o600)
		_, err := Load(p)
		if err == nil {
			t.Errorf("%s: loaded", name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") || errkind.Of(err) != errkind.KindInvalid {
			t.Errorf("%s: %s (kind %s), want one invalid line with %q", name, msg, errkind.Of(err), c.want)
		}
	}
	p := filepath.Join(dir, "good.json")
	os.WriteFile(p, good, 0o600)
	if s, err := Load(p); err != nil || s.Links[0].Name != "eth0" {
		t.Errorf("good file: %v %+v", err, s)
	}
}

// StripSecrets takes out a VNC password even where libvirt would print it.
func TestStripSecretsVNC(t *testing.T) {
	out, gone, err := StripSecrets(secretXMLForStrip)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "hunter2") || strings.Contains(out, "<auth") || len(gone) != 2 {
		t.Errorf("left secrets (%v):\n%s", gone, out)
	}
	if !strings.Contains(out, "<graphics type=\"vnc\"") {
		t.Errorf("the graphics device went too:\n%s", out)
	}
}

const secretXMLForStrip = `<domain type='kvm'><name>g</name><memory>65536</memory><os><type>hvm</type></os>
<devices><disk type='network' device='disk'><auth username='u'><secret type='iscsi' usage='x'/></auth>
<source protocol='iscsi' name='iqn.2026-01.example:t/1'><host name='h'/></source><target dev='sda'/></disk>
<graphics type='vnc' passwd='hunter2'/></devices></domain>`

// Diff names each change in one line and nothing that changes by itself.
func TestDiffOneLinePerChange(t *testing.T) {
	a := &Snapshot{Version: Version, Taken: "t1", Links: []Link{
		{Name: "eth0", Index: 2, Kind: "device", MTU: 1500, Addresses: []Address{{CIDR: "192.0.2.10/24", Origin: "dhcp", ValidLft: 100}}}},
		Routes:  []Route{{Table: "main", Dst: "default", Gateway: "192.0.2.1", Dev: "eth0", Protocol: "dhcp", Scope: "universe", Type: "unicast", Family: "inet"}},
		Sysctls: map[string]string{"net.ipv4.ip_forward": "0"}}
	b := &Snapshot{Version: Version, Taken: "t2", Links: []Link{
		{Name: "eth0", Index: 7, Kind: "device", MTU: 1500, Master: "br0"},
		{Name: "br0", Kind: "bridge", MTU: 1500, Addresses: []Address{{CIDR: "192.0.2.10/24", Origin: "dhcp", ValidLft: 90}}}},
		Routes:  []Route{{Table: "main", Dst: "default", Gateway: "192.0.2.1", Dev: "br0", Protocol: "dhcp", Scope: "universe", Type: "unicast", Family: "inet"}},
		Sysctls: map[string]string{"net.ipv4.ip_forward": "1"}}
	got := strings.Join(Diff(a, b), "\n")
	want := strings.Join([]string{
		"~ link eth0: master none -> br0",
		"- address eth0 192.0.2.10/24 (dhcp)",
		"+ link br0 (bridge)",
		"+ address br0 192.0.2.10/24 (dhcp)",
		"- route default via 192.0.2.1 dev eth0 proto dhcp",
		"+ route default via 192.0.2.1 dev br0 proto dhcp",
		"~ sysctl net.ipv4.ip_forward: 0 -> 1",
	}, "\n")
	if got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
	if d := Diff(a, a); len(d) != 0 {
		t.Errorf("a snapshot differs from itself: %v", d)
	}
}
