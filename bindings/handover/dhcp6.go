package handover

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/godbus/dbus/v5"

	"rewire/bindings/host"
	"rewire/bindings/target"
)

// DHCPv6ID is the identity a device's DHCPv6 client leases under: the
// server binds an address to (DUID, IAID), so the bridge's client must
// send both as the NIC's did to renew the same address. Read at claim
// time, while the NIC's client still runs.
type DHCPv6ID struct {
	IAID uint32 `json:"iaid"`
	DUID string `json:"duid,omitempty"` // hex, colon-separated (NetworkManager's form)
}

// hasDHCPv4 says whether c's addresses include a DHCP lease.
func hasDHCPv4(c Claimed) bool {
	for _, a := range c.Addresses {
		if a.Origin == host.OriginDHCP {
			return true
		}
	}
	return false
}

// hasDHCPv6 says whether c's addresses include a DHCPv6 lease.
func hasDHCPv6(c Claimed) bool {
	for _, a := range c.Addresses {
		if a.Origin == host.OriginDHCPv6 {
			return true
		}
	}
	return false
}

// nmDHCPv6ID reads the identity from the device's DHCP6Config
// (`nmcli -f DHCP6 device show eth0`: options iaid, dhcp6_client_id).
func nmDHCPv6ID(conn *dbus.Conn, dev dbus.ObjectPath) *DHCPv6ID {
	v, err := nmProp(conn, dev, nmDevI, "Dhcp6Config")
	cfg, _ := v.Value().(dbus.ObjectPath)
	if err != nil || cfg == "" || cfg == "/" {
		return nil
	}
	o, err := nmProp(conn, cfg, nmName+".DHCP6Config", "Options")
	opts, _ := o.Value().(map[string]dbus.Variant)
	if err != nil {
		return nil
	}
	iaid, _ := opts["iaid"].Value().(string)
	duid, _ := opts["dhcp6_client_id"].Value().(string)
	n, err := strconv.ParseUint(strings.ReplaceAll(iaid, ":", ""), 16, 32)
	if err != nil {
		return nil
	}
	return &DHCPv6ID{IAID: uint32(n), DUID: duid}
}

// networkdDHCPv6ID reads the IAID networkd's link state records
// (/run/systemd/netif/links/IFINDEX: DHCP6_CLIENT_IAID=0x...); the DUID
// is the machine's, the same on every link.
func networkdDHCPv6ID(tg *target.Target, r host.Roots, dev string) *DHCPv6ID {
	l, err := tg.LinkByName(dev)
	if err != nil {
		return nil
	}
	f, err := os.Open(filepath.Join(r.Run, "systemd/netif/links", strconv.Itoa(l.Attrs().Index)))
	if err != nil {
		return nil
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "DHCP6_CLIENT_IAID="); ok {
			if n, err := strconv.ParseUint(strings.TrimPrefix(v, "0x"), 16, 32); err == nil {
				return &DHCPv6ID{IAID: uint32(n)}
			}
		}
	}
	return nil
}
