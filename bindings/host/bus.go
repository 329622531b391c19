package host

import (
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"
)

// busTimeout bounds every call on the bus: a hung daemon must not hang
// `rewire status`.
const busTimeout = 3 * time.Second

// dialBus connects to the system bus at addr (authenticates and says Hello).
func dialBus(addr string) (*dbus.Conn, error) {
	c, err := dbus.Dial(addr)
	if err != nil {
		return nil, err
	}
	if err := c.Auth(nil); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.Hello(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// call makes one method call with busTimeout and stores its reply.
func call(c *dbus.Conn, dest string, path dbus.ObjectPath, method string, out []any, args ...any) error {
	ch := make(chan *dbus.Call, 1)
	c.Object(dest, path).Go(method, 0, ch, args...)
	select {
	case r := <-ch:
		if r.Err != nil {
			return r.Err
		}
		return r.Store(out...)
	case <-time.After(busTimeout):
		return fmt.Errorf("%s: no reply after %v", method, busTimeout)
	}
}

// hasOwner reports whether name is owned on the bus.
func hasOwner(c *dbus.Conn, name string) bool {
	var has bool
	err := call(c, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", []any{&has}, name)
	return err == nil && has
}
