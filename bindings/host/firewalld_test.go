package host

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"rewire/bindings/host/managertest"
	"rewire/bindings/target/nstest"
)

// fakeFirewalld answers the two calls rewire makes of firewalld.
type fakeFirewalld struct{ zones map[string]string }

func (f fakeFirewalld) GetZoneOfInterface(dev string) (string, *dbus.Error) { return f.zones[dev], nil }

// firewalld's zones over D-Bus: a stand-in owns org.fedoraproject.FirewallD1
// on a private bus (firewalld itself would take the namespace's iptables;
// parts 2-5 run the real one) while a process named firewalld runs in the
// namespace, as detection requires.
func TestFirewalldZone(t *testing.T) {
	tg := nstest.New(t)
	sb := managertest.NewSandbox(t, tg)
	bus := sb.StartBus(t)
	c := bus.Conn(t)
	fw := fakeFirewalld{zones: map[string]string{"lo": "trusted"}}
	if err := c.ExportMethodTable(map[string]any{"getZoneOfInterface": fw.GetZoneOfInterface}, fwPath, fwZoneI); err != nil {
		t.Fatal(err)
	}
	props := map[string]any{"Get": func(iface, prop string) (dbus.Variant, *dbus.Error) { return dbus.MakeVariant("1.3.3"), nil }}
	if err := c.ExportMethodTable(props, fwPath, "org.freedesktop.DBus.Properties"); err != nil {
		t.Fatal(err)
	}
	if r, err := c.RequestName(fwName, 0); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", fwName, r, err)
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep")
	}
	b, _ := os.ReadFile(sleep)
	named := filepath.Join(t.TempDir(), "firewalld")
	if err := os.WriteFile(named, b, 0o755); err != nil {
		t.Fatal(err)
	}
	managertest.Start(t, tg, t.TempDir(), "firewalld", exec.Command(named, "60"))
	r := Roots{Etc: sb.Etc, Run: sb.Run, Var: sb.Var, Bus: bus.Addr}
	managertest.Eventually(t, 2*time.Second, func() error {
		d, err := DeviceOf(tg, r, "lo")
		if err == nil && d.Zone != "trusted" {
			return errorString("lo zone " + d.Zone)
		}
		return err
	})
	ms, err := Managers(tg, r)
	if err != nil {
		t.Fatal(err)
	}
	if m := manager(t, ms, Firewalld); !m.Running || m.Version != "1.3.3" {
		t.Errorf("firewalld: %+v", m)
	}
	out, lerr := runLua(t, tg, r, `print(host.device("lo").zone)`)
	if lerr != nil || out != "trusted" {
		t.Errorf("lua: %q %v", out, lerr)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }
