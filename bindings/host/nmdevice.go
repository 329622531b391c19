package host

import (
	"github.com/godbus/dbus/v5"
)

// readNMDevice reads one device the short way (`nmcli device show DEV`):
// GetDeviceByIpIface, then the device's, its active connection's and its
// profile's properties — four small calls where GetManagedObjects
// serializes every object NM has (3 ms on a small host, more with many
// profiles and devices). A device NM does not know is the zero nmDevice.
func readNMDevice(c *dbus.Conn, name string) (nmView, error) {
	v := nmView{Devices: map[string]nmDevice{}}
	var path dbus.ObjectPath
	if err := call(c, nmName, "/org/freedesktop/NetworkManager", nmIface+".GetDeviceByIpIface", []any{&path}, name); err != nil {
		if e, ok := err.(dbus.Error); ok && e.Name == "org.freedesktop.NetworkManager.UnknownDevice" {
			return v, nil
		}
		return v, err
	}
	d, err := getAll(c, path, nmDevI)
	if err != nil {
		return v, err
	}
	objs := managedObjects{path: {nmDevI: d}}
	if ac := objPath(d["ActiveConnection"]); ac != "" {
		a, err := getAll(c, ac, nmActI)
		if err != nil {
			return v, err
		}
		objs[ac] = map[string]map[string]dbus.Variant{nmActI: a}
		if sc := objPath(a["Connection"]); sc != "" {
			var f dbus.Variant
			if err := call(c, nmName, sc, "org.freedesktop.DBus.Properties.Get", []any{&f}, nmConnI, "Filename"); err != nil {
				return v, err
			}
			objs[sc] = map[string]map[string]dbus.Variant{nmConnI: {"Filename": f}}
		}
	}
	return fromObjects(objs), nil
}

func getAll(c *dbus.Conn, path dbus.ObjectPath, iface string) (map[string]dbus.Variant, error) {
	var props map[string]dbus.Variant
	err := call(c, nmName, path, "org.freedesktop.DBus.Properties.GetAll", []any{&props}, iface)
	return props, err
}
