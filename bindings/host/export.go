package host

import (
	"path/filepath"

	"github.com/godbus/dbus/v5"
)

// What the hand-over (bindings/handover) needs of the roots and the bus
// to take a device over in its manager's own terms; detection itself
// stays read-only.

// BusAddr is the system bus address of the roots (`busctl --address`).
func (r Roots) BusAddr() string { return r.bus() }

// IfstateDir is ifupdown's --state-dir under the roots (/run/network).
func (r Roots) IfstateDir() string { return r.ifstateDir() }

// Under maps a path as a manager names it (/etc/..., /run/...) to the roots.
func (r Roots) Under(p string) string { return r.under(p) }

// DialBus connects to the roots' system bus (authenticated, Hello said).
func DialBus(r Roots) (*dbus.Conn, error) { return dialBus(r.bus()) }

// Call is one method call on the bus, bounded as detection's are (3 s).
func Call(c *dbus.Conn, dest string, path dbus.ObjectPath, method string, out []any, args ...any) error {
	return call(c, dest, path, method, out, args...)
}

// Sandbox is the directory the roots' managers see as / for /etc, /run
// and /var/lib (DIR/etc, DIR/run, DIR/var/lib: the lab's host, a test's
// sandbox), "" for the real paths; ok is false for roots laid out
// otherwise. A client the hand-over starts runs there, so that its files
// (resolv.conf, leases, pid file) are the manager's.
func (r Roots) Sandbox() (dir string, ok bool) {
	if r.Etc == "/etc" && r.Run == "/run" && r.Var == "/var/lib" {
		return "", true
	}
	dir = filepath.Dir(r.Etc)
	if r.Etc != filepath.Join(dir, "etc") || r.Run != filepath.Join(dir, "run") || r.Var != filepath.Join(dir, "var/lib") {
		return "", false
	}
	return dir, true
}
