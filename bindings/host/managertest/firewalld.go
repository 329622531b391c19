package managertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// FirewalldOptions configure one firewalld.
type FirewalldOptions struct {
	// Backend is firewalld.conf's FirewallBackend: "nftables" (the
	// default) or "iptables".
	Backend string
	// DefaultZone is firewalld.conf's DefaultZone ("" is public).
	DefaultZone string
	// Zones are zone files by name ("libvirt" → its XML) in the system
	// configuration's zones/, as an admin or a package adds them.
	Zones map[string]string
	// Without are stock zones (files of /usr/lib/firewalld/zones) the
	// daemon must not know, as on a host without the package that ships
	// them (nm-shared comes with NetworkManager).
	Without []string
}

// Firewalld is a running firewalld with its private bus.
type Firewalld struct {
	Bus    *Bus
	Daemon *Daemon
	// Config is its system configuration (what /etc/firewalld holds).
	Config string
}

// FirewalldBinary is where Debian installs firewalld.
const FirewalldBinary = "/usr/sbin/firewalld"

// StartFirewalld starts a private system bus and `firewalld --nofork`
// in the sandbox (the test's network namespace, so its nftables and
// iptables rules are that namespace's) with its system configuration in
// the sandbox (--system-config; /run/firewalld is the sandbox's) and
// returns once it reports state RUNNING on the bus.
func StartFirewalld(t testing.TB, sb *Sandbox, o FirewalldOptions) *Firewalld {
	t.Helper()
	Need(t, FirewalldBinary, "dbus-daemon", "nft")
	bus := sb.StartBus(t)
	conf := filepath.Join(sb.Dir, "etc/firewalld")
	if o.Backend == "" {
		o.Backend = "nftables"
	}
	if o.DefaultZone == "" {
		o.DefaultZone = "public"
	}
	sb.WriteFile("etc/firewalld/firewalld.conf", fmt.Sprintf(
		"DefaultZone=%s\nCleanupOnExit=yes\nLockdown=no\nIPv6_rpfilter=yes\nIndividualCalls=no\nLogDenied=off\nFirewallBackend=%s\nFlushAllOnReload=yes\n",
		o.DefaultZone, o.Backend), 0o644)
	for _, d := range []string{"zones", "services", "icmptypes", "ipsets", "helpers", "policies"} {
		if err := os.MkdirAll(filepath.Join(conf, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, xml := range o.Zones {
		sb.WriteFile("etc/firewalld/zones/"+name+".xml", xml, 0o644)
	}
	args := []string{FirewalldBinary, "--nofork", "--nopid", "--log-target=console", "--system-config", conf}
	if len(o.Without) > 0 {
		args = append(args, "--default-config", stockWithout(t, sb, o.Without))
	}
	d := Start(t, sb.T, sb.Dir, "firewalld", sb.Command(args...))
	bus.WaitName(t, "org.fedoraproject.FirewallD1", 20*time.Second, d)
	fw := &Firewalld{Bus: bus, Daemon: d, Config: conf}
	c := bus.Conn(t)
	Eventually(t, 20*time.Second, func() error {
		if d.Exited() {
			return fmt.Errorf("firewalld exited")
		}
		v, err := c.Object("org.fedoraproject.FirewallD1", "/org/fedoraproject/FirewallD1").
			GetProperty("org.fedoraproject.FirewallD1.state")
		if err != nil {
			return err
		}
		if s, _ := v.Value().(string); s != "RUNNING" {
			return fmt.Errorf("firewalld state %q", s)
		}
		return nil
	}, d)
	return fw
}

// stockWithout copies firewalld's stock configuration (/usr/lib/firewalld)
// into the sandbox without the named zones and returns its path.
func stockWithout(t testing.TB, sb *Sandbox, without []string) string {
	t.Helper()
	dst := filepath.Join(sb.Dir, "usr-lib-firewalld")
	if out, err := exec.Command("cp", "-a", "/usr/lib/firewalld", dst).CombinedOutput(); err != nil {
		t.Fatalf("copy firewalld's stock configuration: %v\n%s", err, out)
	}
	for _, z := range without {
		if err := os.Remove(filepath.Join(dst, "zones", z+".xml")); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	return dst
}

// Cmd runs firewall-cmd with args against this firewalld (inside the
// sandbox, where its bus is the system bus) and returns its output.
func (fw *Firewalld) Cmd(t testing.TB, sb *Sandbox, args ...string) (string, error) {
	t.Helper()
	Need(t, "firewall-cmd")
	return sb.TryExec(append([]string{"firewall-cmd"}, args...)...)
}

// Call is one method call on firewalld's main object path.
func (fw *Firewalld) Call(t testing.TB, method string, out []any, args ...any) error {
	t.Helper()
	c := fw.Bus.Conn(t)
	call := c.Object("org.fedoraproject.FirewallD1", "/org/fedoraproject/FirewallD1").Call(method, 0, args...)
	if call.Err != nil {
		return call.Err
	}
	return call.Store(out...)
}

// ZoneOf is `firewall-cmd --get-zone-of-interface=DEV` ("" for none).
func (fw *Firewalld) ZoneOf(t testing.TB, dev string) string {
	t.Helper()
	var z string
	if err := fw.Call(t, "org.fedoraproject.FirewallD1.zone.getZoneOfInterface", []any{&z}, dev); err != nil {
		t.Fatalf("getZoneOfInterface %s: %v", dev, err)
	}
	return z
}

// Services is `firewall-cmd --zone=ZONE --list-services`, sorted.
func (fw *Firewalld) Services(t testing.TB, zone string) []string {
	t.Helper()
	var s []string
	if err := fw.Call(t, "org.fedoraproject.FirewallD1.zone.getServices", []any{&s}, zone); err != nil {
		t.Fatalf("getServices %s: %v", zone, err)
	}
	sort.Strings(s)
	return s
}

// Reload is `firewall-cmd --reload`.
func (fw *Firewalld) Reload(t testing.TB) {
	t.Helper()
	if err := fw.Call(t, "org.fedoraproject.FirewallD1.reload", nil); err != nil {
		t.Fatalf("firewalld reload: %v\n%s", err, fw.Daemon.Tail())
	}
}
