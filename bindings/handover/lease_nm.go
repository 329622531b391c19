package handover

import (
	"net"
	"strconv"

	"github.com/godbus/dbus/v5"

	"rewire/bindings/errkind"
	"rewire/bindings/host"
)

// nmBridgeProfile is the in-memory profile for the bridge: its ipv4
// method, DHCP client id and hostname options and its ipv6 setting from
// the NIC's profile (a DHCPv6 lease with the NIC's IAID and DUID), the
// NIC's MAC, no STP (a port must forward at once).
func nmBridgeProfile(c Claimed, to, uuid string, mac net.HardwareAddr, metric4 int) (map[string]map[string]dbus.Variant, error) {
	orig := map[string]map[string]dbus.Variant{}
	if c.UUID != "" {
		conn, err := host.DialBus(c.Roots)
		if err != nil {
			return nil, unreachable(host.NetworkManager, c.Dev, err)
		}
		defer conn.Close()
		var prof dbus.ObjectPath
		if err := host.Call(conn, nmName, setPath, nmName+".Settings.GetConnectionByUuid", []any{&prof}, c.UUID); err != nil {
			return nil, errkind.System("NetworkManager: profile %s of %s: %v", c.UUID, c.Dev, err)
		}
		if err := host.Call(conn, nmName, prof, nmName+".Settings.Connection.GetSettings", []any{&orig}); err != nil {
			return nil, errkind.System("NetworkManager: settings of %s: %v", c.UUID, err)
		}
	}
	ipv4 := map[string]dbus.Variant{"method": dbus.MakeVariant("auto")}
	for _, k := range []string{"dhcp-client-id", "dhcp-iaid", "dhcp-hostname", "dhcp-send-hostname", "dhcp-timeout", "route-metric"} {
		if v, ok := orig["ipv4"][k]; ok {
			ipv4[k] = v
		}
	}
	if m, ok := ipv4["route-metric"]; (!ok || m.Value() == int64(-1)) && metric4 > 0 {
		// NetworkManager's default metric for a bridge (425) is not the
		// ethernet's it came from (100): keep the route as it is now.
		ipv4["route-metric"] = dbus.MakeVariant(int64(metric4))
	}
	if !hasDHCPv4(c) {
		// Only a DHCPv6 lease moves: IPv4 as the NIC's profile had it.
		ipv4 = map[string]dbus.Variant{"method": dbus.MakeVariant("disabled")}
		for _, k := range []string{"method", "address-data", "gateway", "route-data", "route-metric", "dns", "dns-search", "never-default", "may-fail"} {
			if v, ok := orig["ipv4"][k]; ok {
				ipv4[k] = v
			}
		}
	}
	// IPv6 as the NIC's profile had it (method, address generation, RA
	// and DHCPv6 options); a DHCPv6 lease under the NIC's identity (its
	// IAID, which NetworkManager derives from the interface name, and its
	// DUID), so the server renews the same address on the bridge.
	ipv6 := map[string]dbus.Variant{"method": dbus.MakeVariant("ignore")}
	for _, k := range []string{"method", "addr-gen-mode", "token", "ip6-privacy", "dhcp-hostname", "dhcp-send-hostname", "dhcp-timeout", "route-metric", "ra-timeout"} {
		if v, ok := orig["ipv6"][k]; ok {
			ipv6[k] = v
		}
	}
	if c.DHCPv6 != nil {
		ipv6["dhcp-iaid"] = dbus.MakeVariant(strconv.FormatUint(uint64(c.DHCPv6.IAID), 10))
		if c.DHCPv6.DUID != "" {
			ipv6["dhcp-duid"] = dbus.MakeVariant(c.DHCPv6.DUID)
		}
	}
	return map[string]map[string]dbus.Variant{
		"connection": {"id": dbus.MakeVariant("rewire-" + to), "uuid": dbus.MakeVariant(uuid), "type": dbus.MakeVariant("bridge"),
			"interface-name": dbus.MakeVariant(to), "autoconnect": dbus.MakeVariant(false)},
		"bridge": {"mac-address": dbus.MakeVariant([]byte(mac)), "stp": dbus.MakeVariant(false)},
		"ipv4":   ipv4,
		"ipv6":   ipv6,
	}, nil
}

// nmPortProfile is the NIC's in-memory port profile: a port of the
// bridge's profile. NetworkManager detaches, from a bridge it activates,
// every port it does not manage itself, so the NIC goes back to it as
// the bridge's port (never with its own profile while the change lasts).
func nmPortProfile(dev, uuid, master string) map[string]map[string]dbus.Variant {
	return map[string]map[string]dbus.Variant{
		"connection": {"id": dbus.MakeVariant("rewire-" + dev + "-port"), "uuid": dbus.MakeVariant(uuid), "type": dbus.MakeVariant("802-3-ethernet"),
			"interface-name": dbus.MakeVariant(dev), "master": dbus.MakeVariant(master), "slave-type": dbus.MakeVariant("bridge"),
			"autoconnect": dbus.MakeVariant(false)},
	}
}

// nmActivate activates the bridge's profile on it and the port's on the
// NIC (`nmcli connection up` of each; AddAndActivateConnection2 with
// persist=volatile: in memory, gone once deactivated). NetworkManager lets
// go of the NIC as it takes the bridge over and has it back as its port
// a few milliseconds later.
func nmActivate(r host.Roots, nic, to string, bridge, port map[string]map[string]dbus.Variant) error {
	conn, err := host.DialBus(r)
	if err != nil {
		return unreachable(host.NetworkManager, to, err)
	}
	defer conn.Close()
	opts := map[string]dbus.Variant{"persist": dbus.MakeVariant("volatile")}
	for _, a := range []struct {
		dev      string
		settings map[string]map[string]dbus.Variant
	}{{to, bridge}, {nic, port}} {
		dev, err := nmDevice(conn, a.dev)
		if err != nil {
			return errkind.System("NetworkManager: %s: %v", a.dev, err)
		}
		var prof, ac dbus.ObjectPath
		var res map[string]dbus.Variant
		if err := host.Call(conn, nmName, nmPath, nmName+".AddAndActivateConnection2", []any{&prof, &ac, &res}, a.settings, dev, dbus.ObjectPath("/"), opts); err != nil {
			return errkind.System("NetworkManager: activate an in-memory profile on %s: %v", a.dev, err)
		}
	}
	return nil
}
