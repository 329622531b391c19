package managertest

import (
	"fmt"
	"rewire/bindings/host/sandbox"
	"strings"
	"testing"
	"time"
)

// NMOptions configure one NetworkManager.
type NMOptions struct {
	// Keyfiles are profiles by file name ("eth0.nmconnection" → content),
	// written 0600 into system-connections.
	Keyfiles map[string]string
	// Unmanaged are interface names NM must leave alone
	// ([keyfile] unmanaged-devices).
	Unmanaged []string
	// Conf is added to NetworkManager.conf as it is.
	Conf string
}

// NM is a running NetworkManager with its private bus.
type NM struct {
	Bus    *Bus
	Daemon *Daemon
}

// StartNetworkManager starts a private system bus and `NetworkManager
// --no-daemon` in the sandbox and returns once NM owns its bus name.
// Devices with a profile activate by themselves; wait for them with
// Eventually.
func StartNetworkManager(t testing.TB, sb *Sandbox, opts NMOptions) *NM {
	t.Helper()
	Need(t, "NetworkManager", "dbus-daemon")
	bus := sb.StartBus(t)
	conf := sandbox.NMConf
	if len(opts.Unmanaged) > 0 {
		var specs []string
		for _, n := range opts.Unmanaged {
			specs = append(specs, "interface-name:"+n)
		}
		conf += "[keyfile]\nunmanaged-devices=" + strings.Join(specs, ";") + "\n"
	}
	conf += opts.Conf
	sb.WriteFile("etc/NetworkManager/NetworkManager.conf", conf, 0o644)
	for name, body := range opts.Keyfiles {
		sb.WriteFile("etc/NetworkManager/system-connections/"+name, body, 0o600)
	}
	cmd := sb.Command("NetworkManager", "--no-daemon", "--debug", "--config=/etc/NetworkManager/NetworkManager.conf")
	d := Start(t, sb.T, sb.Dir, "NetworkManager", cmd)
	bus.WaitName(t, "org.freedesktop.NetworkManager", 10*time.Second, d)
	return &NM{Bus: bus, Daemon: d}
}

// DHCPKeyfile is a profile for ifname with DHCPv4 and no IPv6.
func DHCPKeyfile(id, ifname string) string {
	return fmt.Sprintf("[connection]\nid=%s\ntype=ethernet\ninterface-name=%s\n\n[ipv4]\nmethod=auto\n\n[ipv6]\nmethod=disabled\n", id, ifname)
}

// StaticKeyfile is a profile for ifname with one IPv4 address.
func StaticKeyfile(id, ifname, cidr, gateway string) string {
	gw := ""
	if gateway != "" {
		gw = "," + gateway
	}
	return fmt.Sprintf("[connection]\nid=%s\ntype=ethernet\ninterface-name=%s\n\n[ipv4]\nmethod=manual\naddress1=%s%s\n\n[ipv6]\nmethod=disabled\n", id, ifname, cidr, gw)
}
