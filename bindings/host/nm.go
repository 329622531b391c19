package host

import (
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"
)

// nmDevice is what NetworkManager says about one device (`nmcli -t -f
// DEVICE,STATE,CONNECTION,CON-UUID,CON-PATH device` plus the profile's
// file: `nmcli -f connection.id,connection.uuid,... connection show`).
type nmDevice struct {
	Managed  bool
	State    string
	Profile  string
	UUID     string
	File     string
	Path     dbus.ObjectPath
	ConnPath dbus.ObjectPath
}

// nmView is one reading of NetworkManager: its version and devices by name.
type nmView struct {
	Version string
	Devices map[string]nmDevice
}

const (
	nmName   = "org.freedesktop.NetworkManager"
	nmIface  = "org.freedesktop.NetworkManager"
	nmDevI   = "org.freedesktop.NetworkManager.Device"
	nmActI   = "org.freedesktop.NetworkManager.Connection.Active"
	nmConnI  = "org.freedesktop.NetworkManager.Settings.Connection"
	objMgrGM = "org.freedesktop.DBus.ObjectManager.GetManagedObjects"
)

// nmStates are NM_DEVICE_STATE_* by value, as nmcli words them.
var nmStates = map[uint32]string{0: "unknown", 10: "unmanaged", 20: "unavailable", 30: "disconnected",
	40: "prepare", 50: "config", 60: "need-auth", 70: "ip-config", 80: "ip-check", 90: "secondaries",
	100: "activated", 110: "deactivating", 120: "failed"}

type managedObjects map[dbus.ObjectPath]map[string]map[string]dbus.Variant

// readNM reads every device, active connection and profile of
// NetworkManager in one ObjectManager.GetManagedObjects call.
func readNM(c *dbus.Conn) (nmView, error) {
	var objs managedObjects
	if err := call(c, nmName, "/org/freedesktop", objMgrGM, []any{&objs}); err != nil {
		return nmView{}, err
	}
	return fromObjects(objs), nil
}

// fromObjects reads NetworkManager's objects as GetManagedObjects gives them.
func fromObjects(objs managedObjects) nmView {
	v := nmView{Devices: map[string]nmDevice{}}
	if m, ok := objs["/org/freedesktop/NetworkManager"][nmIface]; ok {
		v.Version = str(m["Version"])
	}
	for path, ifs := range objs {
		d, ok := ifs[nmDevI]
		if !ok {
			continue
		}
		nd := nmDevice{Path: path, Managed: boolean(d["Managed"])}
		st := uint32v(d["State"])
		nd.State = nmStates[st]
		if nd.State == "" {
			nd.State = fmt.Sprint(st)
		}
		if ac := objs[objPath(d["ActiveConnection"])][nmActI]; ac != nil {
			nd.Profile, nd.UUID = str(ac["Id"]), str(ac["Uuid"])
			nd.ConnPath = objPath(ac["Connection"])
			if sc := objs[nd.ConnPath][nmConnI]; sc != nil {
				nd.File = str(sc["Filename"])
			}
		}
		v.Devices[str(d["Interface"])] = nd
	}
	return v
}

// owns says whether NetworkManager manages the device now.
func (d nmDevice) owns() bool {
	return d.Managed && d.State != "unmanaged" && d.State != "unknown"
}

// netplan says whether netplan generated the profile.
func (d nmDevice) netplan() bool {
	return strings.Contains(d.File, "/netplan-")
}

func str(v dbus.Variant) string {
	s, _ := v.Value().(string)
	return s
}

func boolean(v dbus.Variant) bool {
	b, _ := v.Value().(bool)
	return b
}

func uint32v(v dbus.Variant) uint32 {
	u, _ := v.Value().(uint32)
	return u
}

// objPath is an object path property; "" for none ("/").
func objPath(v dbus.Variant) dbus.ObjectPath {
	p, _ := v.Value().(dbus.ObjectPath)
	if p == "/" {
		return ""
	}
	return p
}
