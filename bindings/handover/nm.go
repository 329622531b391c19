package handover

import (
	"fmt"
	"slices"
	"time"

	"github.com/godbus/dbus/v5"

	"rewire/bindings/errkind"
	"rewire/bindings/host"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

const (
	nmName  = "org.freedesktop.NetworkManager"
	nmPath  = "/org/freedesktop/NetworkManager"
	nmDevI  = "org.freedesktop.NetworkManager.Device"
	nmActI  = "org.freedesktop.NetworkManager.Connection.Active"
	setPath = "/org/freedesktop/NetworkManager/Settings"
	propGet = "org.freedesktop.DBus.Properties.Get"
	propSet = "org.freedesktop.DBus.Properties.Set"
	// activationExternal is NM_ACTIVATION_STATE_FLAG_EXTERNAL: NM only
	// watches a device someone else configured ("connected (externally)").
	activationExternal = 0x80
)

// claimNM is `nmcli device set DEV managed no`: NM keeps the device's
// addresses and routes and stops its DHCP client; the setting lasts while
// NM runs. A device with no profile active, or one NM only watches (one
// rewire or another tool made, "connected (externally)"), is not NM's to
// give: nothing to do.
func claimNM(s *tx.Session, c Claimed) error {
	conn, err := host.DialBus(c.Roots)
	if err != nil {
		return unreachable(host.NetworkManager, c.Dev, err)
	}
	defer conn.Close()
	dev, err := nmDevice(conn, c.Dev)
	if err != nil {
		return unreachable(host.NetworkManager, c.Dev, err)
	}
	if c.UUID == "" {
		return nil // no profile active: nothing of NM's to keep or give back
	}
	if ext, err := nmExternal(conn, dev); err != nil {
		return unreachable(host.NetworkManager, c.Dev, err)
	} else if ext {
		return nil
	}
	if hasDHCPv6(c) {
		c.DHCPv6 = nmDHCPv6ID(conn, dev)
	}
	return claimKind.Apply(s, "handover:"+c.Dev, desc("hand %s over from NetworkManager (nmcli device set %s managed no; profile %s)", c.Dev, c.Dev, c.Profile), c, func() error {
		return nmSetManaged(conn, dev, c.Dev, false)
	})
}

// nmGiveBack is `nmcli device set DEV managed yes` and `nmcli connection
// up UUID` for the profile that was active; a device that is gone is
// already given back.
func nmGiveBack(tg *target.Target, c Claimed) error {
	conn, err := host.DialBus(c.Roots)
	if err != nil {
		return unreachable(host.NetworkManager, c.Dev, err)
	}
	defer conn.Close()
	dev, err := nmDevice(conn, c.Dev)
	if err != nil {
		if e, ok := err.(dbus.Error); ok && e.Name == "org.freedesktop.NetworkManager.UnknownDevice" {
			return nil
		}
		return unreachable(host.NetworkManager, c.Dev, err)
	}
	if err := nmSetManaged(conn, dev, c.Dev, true); err != nil {
		return err
	}
	if c.UUID == "" {
		return nil
	}
	// An autoconnect profile comes back by itself: give NM a moment
	// rather than restart an activation it has begun.
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cur, _ := nmActiveUUID(conn, dev); cur == c.UUID {
			return nil
		}
	}
	var prof dbus.ObjectPath
	if err := host.Call(conn, nmName, setPath, nmName+".Settings.GetConnectionByUuid", []any{&prof}, c.UUID); err != nil {
		return fmt.Errorf("NetworkManager: profile %s (%s) of %s: %w", c.Profile, c.UUID, c.Dev, err)
	}
	var ac dbus.ObjectPath
	if err := host.Call(conn, nmName, nmPath, nmName+".ActivateConnection", []any{&ac}, prof, dev, dbus.ObjectPath("/")); err != nil {
		return fmt.Errorf("NetworkManager: nmcli connection up %s on %s: %w", c.UUID, c.Dev, err)
	}
	return nil
}

func nmDevice(conn *dbus.Conn, name string) (dbus.ObjectPath, error) {
	var p dbus.ObjectPath
	err := host.Call(conn, nmName, nmPath, nmName+".GetDeviceByIpIface", []any{&p}, name)
	return p, err
}

func nmProp(conn *dbus.Conn, path dbus.ObjectPath, iface, prop string) (dbus.Variant, error) {
	var v dbus.Variant
	err := host.Call(conn, nmName, path, propGet, []any{&v}, iface, prop)
	return v, err
}

// nmSetManaged sets Device.Managed and waits (bounded) until NM says so.
func nmSetManaged(conn *dbus.Conn, dev dbus.ObjectPath, name string, managed bool) error {
	if err := host.Call(conn, nmName, dev, propSet, nil, nmDevI, "Managed", dbus.MakeVariant(managed)); err != nil {
		return errkind.System("NetworkManager: nmcli device set %s managed %v: %v", name, yesNo(managed), err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, err := nmProp(conn, dev, nmDevI, "State")
		st, _ := v.Value().(uint32)
		if err == nil && (st == 10) != managed {
			return nil
		}
		if time.Now().After(deadline) {
			return errkind.System("NetworkManager: %s: state %d 5 s after managed %s", name, st, yesNo(managed))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// nmWaitReleased waits (bounded) until none of devs is active with, or
// deactivating from, one of the profiles uuids.
func nmWaitReleased(conn *dbus.Conn, devs []string, uuids ...string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		busy := ""
		for _, name := range devs {
			dev, err := nmDevice(conn, name)
			if err != nil {
				continue // NM does not know it (any more): nothing to wait for
			}
			v, _ := nmProp(conn, dev, nmDevI, "State")
			if st, _ := v.Value().(uint32); st == 110 { // deactivating
				busy = name
				continue
			}
			u, _ := nmActiveUUID(conn, dev)
			if u != "" && slices.Contains(uuids, u) {
				busy = name
			}
		}
		if busy == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return errkind.System("NetworkManager: %s still holds its in-memory profile 10 s after it was deleted", busy)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// nmActive is the device's active connection ("" for none).
func nmActive(conn *dbus.Conn, dev dbus.ObjectPath) (dbus.ObjectPath, error) {
	v, err := nmProp(conn, dev, nmDevI, "ActiveConnection")
	if err != nil {
		return "", err
	}
	p, _ := v.Value().(dbus.ObjectPath)
	if p == "/" {
		p = ""
	}
	return p, nil
}

func nmActiveUUID(conn *dbus.Conn, dev dbus.ObjectPath) (string, error) {
	ac, err := nmActive(conn, dev)
	if err != nil || ac == "" {
		return "", err
	}
	v, err := nmProp(conn, ac, nmActI, "Uuid")
	s, _ := v.Value().(string)
	return s, err
}

// nmExternal says whether NM only watches the device.
func nmExternal(conn *dbus.Conn, dev dbus.ObjectPath) (bool, error) {
	ac, err := nmActive(conn, dev)
	if err != nil || ac == "" {
		return false, err
	}
	v, err := nmProp(conn, ac, nmActI, "StateFlags")
	f, _ := v.Value().(uint32)
	return f&activationExternal != 0, err
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
