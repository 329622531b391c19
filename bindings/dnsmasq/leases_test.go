package dnsmasq

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rewire/lua/engine"
)

func write(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadsDnsmasqLeaseFile(t *testing.T) {
	f := write(t, filepath.Join(t.TempDir(), "leases"),
		"1700000000 52:54:00:de:2c:3f 192.168.122.123 vm1 01:52:54:00:de:2c:3f\n"+
			"0 52:54:00:35:29:EA 192.168.122.7 * *\n"+
			"duid 00:01:00:01:2c:aa:bb:cc:52:54:00:00:00:01\n"+
			"1700000100 1234 fd00::7 vm3 00:01:00:01\n")
	ls, err := ReadLeases(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 3 {
		t.Fatalf("%d leases, want 3: %+v", len(ls), ls)
	}
	if l := ls[0]; l.MAC != "52:54:00:de:2c:3f" || l.IP != "192.168.122.123" || l.Hostname != "vm1" || l.Expiry != 1700000000 {
		t.Errorf("first lease %+v", l)
	}
	if l := ls[1]; l.Hostname != "" || l.ClientID != "" || l.Expiry != 0 {
		t.Errorf("'*' fields not emptied: %+v", l)
	}
	if l, ok := Find(ls, "52:54:00:35:29:ea"); !ok || l.IP != "192.168.122.7" {
		t.Errorf("find by MAC: %+v %v", l, ok)
	}
	if l, ok := Find(ls, "vm1"); !ok || l.IP != "192.168.122.123" {
		t.Errorf("find by hostname: %+v %v", l, ok)
	}
	if l, ok := Find(ls, "fd00:0::7"); !ok || l.IAID != "1234" {
		t.Errorf("find by IPv6 address: %+v %v", l, ok)
	}
	if _, ok := Find(ls, "10.1.1.1"); ok {
		t.Error("found a lease nobody holds")
	}
}

func TestMalformedLeaseLineNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"fields": "1700000000 52:54:00:de:2c:3f 192.168.122.123 vm1 *\n1700000000 52:54:00:de:2c:40 192.168.122.124\n",
		"ip":     "1700000000 52:54:00:de:2c:3f 192.168.122.123 vm1 *\n1700000000 52:54:00:de:2c:40 192.168.122.999 vm2 *\n",
		"mac":    "1700000000 52:54:00:de:2c:3f 192.168.122.123 vm1 *\n1700000000 nonsense 192.168.122.9 vm2 *\n",
		"expiry": "1700000000 52:54:00:de:2c:3f 192.168.122.123 vm1 *\nsoon 52:54:00:de:2c:40 192.168.122.9 vm2 *\n",
	} {
		f := write(t, filepath.Join(dir, name), content)
		_, err := ReadLeases(f)
		if err == nil || !strings.Contains(err.Error(), f+" line 2:") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: want one line naming %s line 2, got %v", name, f, err)
		}
		if engine.KindOf(err) != engine.KindInvalid {
			t.Errorf("%s: kind %s, want invalid", name, engine.KindOf(err))
		}
	}
}

func TestReadsLibvirtStatusAndMacs(t *testing.T) {
	dir := t.TempDir()
	old := LibvirtDir
	LibvirtDir = dir
	t.Cleanup(func() { LibvirtDir = old })
	write(t, filepath.Join(dir, "virbr0.status"), `[
  {"ip-address": "192.168.122.123", "mac-address": "52:54:00:de:2c:3f", "hostname": "vm1",
   "client-id": "01:52:54:00:de:2c:3f", "expiry-time": 1700000000},
  {"ip-address": "192.168.122.7", "mac-address": "52:54:00:35:29:ea", "expiry-time": 1700000500}
]`)
	write(t, filepath.Join(dir, "virbr0.macs"), `[{"domain": "vm1", "macs": ["52:54:00:de:2c:3f"]},
 {"domain": "vm2", "macs": ["52:54:00:35:29:EA"]}]`)
	ls, err := Leases(t.TempDir(), "virbr0")
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[0].Domain != "vm1" || ls[1].Domain != "vm2" || ls[0].Bridge != "virbr0" || ls[0].ClientID == "" {
		t.Fatalf("leases %+v", ls)
	}
	all, err := Leases(t.TempDir(), "")
	if err != nil || len(all) != 2 {
		t.Fatalf("all leases: %d, %v", len(all), err)
	}
	write(t, filepath.Join(dir, "virbr9.status"), `[{"mac-address": "52:54:00:de:2c:3f", "expiry-time": 1}]`)
	if _, err := Leases(t.TempDir(), "virbr9"); err == nil || !strings.Contains(err.Error(), "virbr9.status lease 1") {
		t.Errorf("status entry without ip-address: %v", err)
	}
	if _, err := Leases(t.TempDir(), "virbr7"); engine.KindOf(err) != engine.KindNotFound {
		t.Errorf("unknown bridge: %v", err)
	}
}
