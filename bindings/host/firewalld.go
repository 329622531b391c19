package host

import (
	"github.com/godbus/dbus/v5"
)

const (
	fwName  = "org.fedoraproject.FirewallD1"
	fwPath  = "/org/fedoraproject/FirewallD1"
	fwZoneI = "org.fedoraproject.FirewallD1.zone"
)

// firewalldZone is `firewall-cmd --get-zone-of-interface=DEV` ("" for none).
func firewalldZone(c *dbus.Conn, dev string) (string, error) {
	var zone string
	err := call(c, fwName, fwPath, fwZoneI+".getZoneOfInterface", []any{&zone}, dev)
	return zone, err
}

// firewalldVersion is `firewall-cmd --version`.
func firewalldVersion(c *dbus.Conn) string {
	var v dbus.Variant
	if err := call(c, fwName, fwPath, "org.freedesktop.DBus.Properties.Get", []any{&v}, fwName, "version"); err != nil {
		return ""
	}
	return str(v)
}
