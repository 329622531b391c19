package handover

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"rewire/bindings/errkind"
	"rewire/bindings/host"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

// claimNetworkd writes /run/systemd/network/00-rewire-DEV.network
// (`[Match] Name=DEV`, `[Link] Unmanaged=yes`; first in networkd's order)
// and runs `networkctl reload`. networkd drops the link's addresses and
// routes as it lets go (and stops its DHCP client, sending no release):
// they are put back at once as they were, a lease with what is left of its
// lifetime.
func claimNetworkd(s *tx.Session, c Claimed) error {
	cfg, err := capture(s.Target, c.Dev)
	if err != nil {
		return err
	}
	c.Config = cfg
	if hasDHCPv6(c) {
		c.DHCPv6 = networkdDHCPv6ID(s.Target, c.Roots, c.Dev)
	}
	c.DropIn = filepath.Join(c.Roots.Run, "systemd/network", dropInName(c.Roots, "rewire-"+c.Dev))
	if err := pingNetworkd(c.Roots); err != nil {
		return unreachable(host.Networkd, c.Dev, err)
	}
	tg := s.Target
	return claimKind.Apply(s, "handover:"+c.Dev, desc("hand %s over from systemd-networkd (%s: Unmanaged=yes; networkctl reload)", c.Dev, c.DropIn), c, func() error {
		body := fmt.Sprintf("# rewire: %s is rewire's while its transaction runs\n[Match]\nName=%s\n\n[Link]\nUnmanaged=yes\n", c.Dev, c.Dev)
		if err := writeFile(c.DropIn, body); err != nil {
			return err
		}
		if err := reloadNetworkd(c.Roots); err != nil {
			return err
		}
		if err := waitNetworkd(tg, c.Roots, c.Dev, false); err != nil {
			return err
		}
		return restore(tg, c.Dev, c.Config)
	})
}

// networkdGiveBack removes the drop-in and reloads: networkd applies the
// link's own .network again (and leases again).
func networkdGiveBack(c Claimed) error {
	if err := os.Remove(c.DropIn); err != nil && !os.IsNotExist(err) {
		return err
	}
	return reloadNetworkd(c.Roots)
}

// dropInName is a .network name that sorts before every .network file
// networkd reads (/etc, /run, /usr/lib, /lib): the first match wins.
func dropInName(r host.Roots, base string) string {
	var names []string
	for _, d := range []string{filepath.Join(r.Etc, "systemd/network"), filepath.Join(r.Run, "systemd/network"), "/usr/lib/systemd/network", "/lib/systemd/network"} {
		m, _ := filepath.Glob(filepath.Join(d, "*.network"))
		for _, p := range m {
			if !strings.Contains(filepath.Base(p), "-rewire-") {
				names = append(names, filepath.Base(p))
			}
		}
	}
	sort.Strings(names)
	name := "00-" + base + ".network"
	for i := 0; i < 8 && len(names) > 0 && names[0] < name; i++ {
		name = "0" + name
	}
	return name
}

func writeFile(path, body string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

const (
	ndName = "org.freedesktop.network1"
	ndPath = "/org/freedesktop/network1"
)

// pingNetworkd checks that networkd answers on the bus.
func pingNetworkd(r host.Roots) error {
	conn, err := host.DialBus(r)
	if err != nil {
		return err
	}
	defer conn.Close()
	return host.Call(conn, ndName, ndPath, "org.freedesktop.DBus.Peer.Ping", nil)
}

// reloadNetworkd is `networkctl reload`.
func reloadNetworkd(r host.Roots) error {
	conn, err := host.DialBus(r)
	if err != nil {
		return unreachable(host.Networkd, "", err)
	}
	defer conn.Close()
	if err := host.Call(conn, ndName, ndPath, ndName+".Manager.Reload", nil); err != nil {
		return errkind.System("systemd-networkd: networkctl reload: %v", err)
	}
	return nil
}

// waitNetworkd waits (bounded) until networkd manages dev (or lets go).
func waitNetworkd(tg *target.Target, r host.Roots, dev string, managed bool) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, err := host.DeviceOf(tg, r, dev)
		if err == nil && (d.Manager == host.Networkd) == managed && !strings.HasPrefix(d.State, "pending") {
			return nil
		}
		if time.Now().After(deadline) {
			return errkind.System("systemd-networkd: %s: still %s 5 s after networkctl reload", dev, d.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
