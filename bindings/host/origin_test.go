package host

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/errkind"
	"rewire/bindings/target/nstest"
)

func TestOrigin(t *testing.T) {
	for _, c := range []struct {
		cidr  string
		flags int
		want  string
	}{
		{"10.0.0.111/24", unix.IFA_F_PERMANENT, OriginStatic},
		{"10.0.0.161/24", 0, OriginDHCP},
		{"fe80::1/64", unix.IFA_F_PERMANENT, OriginLink},
		{"2001:db8::5054:ff:feaa:bbcc/64", 0, OriginSLAAC},
		{"2001:db8::5054:ff:feaa:bbcc/64", unix.IFA_F_MANAGETEMPADDR, OriginSLAAC},
		{"2001:db8::1234:5678/64", unix.IFA_F_TEMPORARY, OriginSLAAC},
		{"2001:db8::42/128", 0, OriginDHCPv6},
		{"2001:db8::1/64", unix.IFA_F_PERMANENT, OriginStatic},
	} {
		ip, n, _ := net.ParseCIDR(c.cidr)
		a := netlink.Addr{IPNet: &net.IPNet{IP: ip, Mask: n.Mask}, Flags: c.flags}
		if got := origin(a); got != c.want {
			t.Errorf("%s flags %#x: %s, want %s", c.cidr, c.flags, got, c.want)
		}
	}
	if lifetime(int(^uint32(0))) != Forever || lifetime(119) != 119 {
		t.Error("lifetime")
	}
}

func write(t *testing.T, root, rel, body string) {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestConfigFiles(t *testing.T) {
	dir := t.TempDir()
	r := Roots{Etc: filepath.Join(dir, "etc"), Run: filepath.Join(dir, "run"), Var: filepath.Join(dir, "var")}
	write(t, r.Etc, "network/interfaces", "auto lo\niface lo inet loopback\n# iface eth9 inet dhcp\nsource-directory interfaces.d\nsource /etc/network/more.cfg\n")
	write(t, r.Etc, "network/interfaces.d/br0", "iface br0 inet static\n  bridge_ports eth0\n  address 10.0.0.111/24\n")
	write(t, r.Etc, "network/more.cfg", "allow-hotplug eth1\niface eth1 inet dhcp\n")
	st := ifupStanzas(r)
	if s := st["br0"]; len(s) != 1 || s[0].Line != "iface br0 inet static" || s[0].File != "/etc/network/interfaces.d/br0" || s[0].DHCP {
		t.Errorf("br0: %+v", s)
	}
	if s := st["eth1"]; len(s) != 1 || !s[0].DHCP || s[0].File != "/etc/network/more.cfg" {
		t.Errorf("eth1: %+v", s)
	}
	if _, ok := st["eth9"]; ok {
		t.Error("a commented stanza counted")
	}

	write(t, r.Etc, "sysconfig/network-scripts/ifcfg-eth0", "DEVICE=eth0\nBOOTPROTO=dhcp\nNM_CONTROLLED=no\n")
	write(t, r.Etc, "sysconfig/network-scripts/ifcfg-br0", "TYPE=Bridge\nBOOTPROTO=none\nIPADDR=10.0.0.111\n")
	cf := ifcfgFiles(r)
	if c := cf["eth0"]; c.NMControlled || !c.DHCP || c.File != "/etc/sysconfig/network-scripts/ifcfg-eth0" {
		t.Errorf("eth0: %+v", c)
	}
	if c := cf["br0"]; !c.NMControlled || c.DHCP {
		t.Errorf("br0: %+v", c)
	}

	write(t, r.Etc, "netplan/50-cloud.yaml", "network:\n  version: 2\n  ethernets:\n    ens3:\n      match: {name: ens3}\n      dhcp4: true\n  bridges:\n    \"br0\":\n      interfaces: [ens3]\n")
	if got := netplanSource(r, "br0"); got != "/etc/netplan/50-cloud.yaml" {
		t.Errorf("br0 from %q", got)
	}
	if got := netplanSource(r, "ens3"); got != "/etc/netplan/50-cloud.yaml" {
		t.Errorf("ens3 from %q", got)
	}
	if got := netplanSource(r, "version"); got != "" {
		t.Errorf("a key outside a device type counted: %q", got)
	}
	if r.under("/etc/NetworkManager/x") != filepath.Join(r.Etc, "NetworkManager/x") || r.under("/usr/x") != "/usr/x" {
		t.Error("under")
	}
}

// An ifcfg file NetworkManager does not control (NM_CONTROLLED=no), with
// no manager running: network-scripts has the device; the other files
// that name it are claims.
func TestNetworkScripts(t *testing.T) {
	tg := nstest.New(t)
	dir := t.TempDir()
	r := Roots{Etc: filepath.Join(dir, "etc"), Run: filepath.Join(dir, "run"), Var: filepath.Join(dir, "var")}
	write(t, r.Etc, "sysconfig/network-scripts/ifcfg-lo", "DEVICE=lo\nNM_CONTROLLED=no\nONBOOT=yes\n")
	write(t, r.Etc, "network/interfaces", "iface lo inet loopback\n")
	d, err := DeviceOf(tg, r, "lo")
	if err != nil {
		t.Fatal(err)
	}
	if d.Manager != NetworkScripts || d.File != "/etc/sysconfig/network-scripts/ifcfg-lo" || len(d.Claims) != 1 || d.Claims[0] != Ifupdown {
		t.Errorf("lo: %+v", d)
	}
	wantAddr(t, d, "127.0.0.1/8", OriginStatic, "", false)
	if _, err := DeviceOf(tg, r, "eth9"); errkind.Of(err) != errkind.KindNotFound {
		t.Errorf("eth9: %v", err)
	}
}
