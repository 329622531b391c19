package managertest

import (
	"bufio"
	"path/filepath"
	"rewire/bindings/host/sandbox"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Bus is a private dbus-daemon, the system bus of one sandbox: inside the
// sandbox it is /run/dbus/system_bus_socket; Addr reaches it from outside.
type Bus struct {
	Addr   string
	Daemon *Daemon
}

// StartBus starts the sandbox's system bus (`dbus-daemon --system` with a
// config of its own) and returns once it accepts connections.
func (sb *Sandbox) StartBus(t testing.TB) *Bus {
	t.Helper()
	Need(t, "dbus-daemon", "unshare")
	sock := filepath.Join(sb.Run, "dbus/system_bus_socket")
	conf := sb.WriteFile("bus.conf", sandbox.BusConfig(sock), 0o644)
	cmd := sb.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--nopidfile", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d := Start(t, sb.T, sb.Dir, "dbus-daemon", cmd)
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case addr := <-line:
		if addr == "" {
			t.Fatalf("dbus-daemon printed no address\n%s", d.Tail())
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("dbus-daemon: no address after 5 s\n%s", d.Tail())
	}
	return &Bus{Addr: "unix:path=" + sock, Daemon: d}
}

// Conn connects to the bus (closed when the test ends).
func (b *Bus) Conn(t testing.TB) *dbus.Conn {
	t.Helper()
	c, err := dbus.Connect(b.Addr)
	if err != nil {
		t.Fatalf("connect to %s: %v", b.Addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// WaitName waits until a name is owned on the bus.
func (b *Bus) WaitName(t testing.TB, name string, timeout time.Duration, d *Daemon) {
	t.Helper()
	c := b.Conn(t)
	deadline := time.Now().Add(timeout)
	for {
		var has bool
		if err := c.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has); err == nil && has {
			return
		}
		if d != nil && d.Exited() {
			t.Fatalf("%s exited before owning %s\n%s", d.Name, name, d.Tail())
		}
		if time.Now().After(deadline) {
			msg := ""
			if d != nil {
				msg = d.Tail()
			}
			t.Fatalf("%s not on the bus after %v\n%s", name, timeout, msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
