package firewalld

import (
	"github.com/godbus/dbus/v5"

	"rewire/bindings/host"
)

// firewalld's D-Bus API (firewalld.dbus(5)): every call here is runtime
// only; nothing touches its permanent configuration.
const (
	busName = "org.fedoraproject.FirewallD1"
	busPath = dbus.ObjectPath("/org/fedoraproject/FirewallD1")
	zoneI   = busName + ".zone"
)

// conn is one connection to firewalld's bus.
type conn struct{ c *dbus.Conn }

func dial(bus string) (*conn, error) {
	c, err := host.DialBus(host.Roots{Bus: bus})
	if err != nil {
		return nil, err
	}
	return &conn{c}, nil
}

func (c *conn) close() { c.c.Close() }

func (c *conn) call(method string, out []any, args ...any) error {
	return host.Call(c.c, busName, busPath, method, out, args...)
}

// zoneOf is `firewall-cmd --get-zone-of-interface=DEV`: "" when the
// interface is bound to no zone (its traffic then goes to the default zone).
func (c *conn) zoneOf(dev string) (string, error) {
	var z string
	err := c.call(zoneI+".getZoneOfInterface", []any{&z}, dev)
	return z, err
}

// defaultZone is `firewall-cmd --get-default-zone`.
func (c *conn) defaultZone() (string, error) {
	var z string
	err := c.call(busName+".getDefaultZone", []any{&z})
	return z, err
}

// zones is `firewall-cmd --get-zones` (the runtime's).
func (c *conn) zones() ([]string, error) {
	var zs []string
	err := c.call(zoneI+".getZones", []any{&zs})
	return zs, err
}

// changeZone is `firewall-cmd --zone=ZONE --change-interface=DEV`
// (runtime): it binds an interface bound to no zone as addInterface does.
func (c *conn) changeZone(zone, dev string) error {
	var z string
	return c.call(zoneI+".changeZoneOfInterface", []any{&z}, zone, dev)
}

// removeInterface is `firewall-cmd --zone=ZONE --remove-interface=DEV`.
func (c *conn) removeInterface(zone, dev string) error {
	var z string
	return c.call(zoneI+".removeInterface", []any{&z}, zone, dev)
}

// hasService is `firewall-cmd --zone=ZONE --query-service=SERVICE`.
func (c *conn) hasService(zone, service string) (bool, error) {
	var ok bool
	err := c.call(zoneI+".queryService", []any{&ok}, zone, service)
	return ok, err
}

// addService is `firewall-cmd --zone=ZONE --add-service=SERVICE` (no
// timeout: until undone or firewalld reloads).
func (c *conn) addService(zone, service string) error {
	var z string
	return c.call(zoneI+".addService", []any{&z}, zone, service, int32(0))
}

// removeService is `firewall-cmd --zone=ZONE --remove-service=SERVICE`.
func (c *conn) removeService(zone, service string) error {
	var z string
	return c.call(zoneI+".removeService", []any{&z}, zone, service)
}

// target is the zone's target (default, ACCEPT, DROP, %%REJECT%%), from
// `firewall-cmd --zone=ZONE --get-target`'s settings call; "" if unknown.
func (c *conn) target(zone string) string {
	var settings map[string]dbus.Variant
	if err := c.call(zoneI+".getZoneSettings2", []any{&settings}, zone); err != nil {
		return ""
	}
	t, _ := settings["target"].Value().(string)
	return t
}
