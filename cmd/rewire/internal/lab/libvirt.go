package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// The lab's hypervisor: a private virtlogd + libvirtd inside the lab host
// namespace, with their own /etc/libvirt, /run/libvirt, /var/lib/libvirt
// (a private mount namespace over directories under the lab's Dir), the
// classic `default` NAT network and two small network-booting guests;
// plus a DHCP server on the LAN so guests moved to a bridge get an office
// address.
func init() {
	RegisterExtra(Extra{Name: "LAN DHCP", Up: upLANDHCP, Down: downLANDHCP, Status: statusLANDHCP})
	RegisterExtra(Extra{Name: "host manager", Up: upManager, Down: downManager, Status: statusManager})
	RegisterExtra(Extra{Name: "libvirt", Up: upLibvirt, Down: downLibvirt, Status: statusLibvirt})
	SetLibvirtURI(func(l *Lab) string { return "qemu+unix:///system?socket=" + l.libvirtSocket() })
}

// Guests of the lab, each with one NIC on network default.
var Guests = []struct{ Name, MAC string }{
	{"vm1", "52:54:00:00:01:01"},
	{"vm2", "52:54:00:00:01:02"},
}

func (l *Lab) libvirtDir() string    { return filepath.Join(l.Dir, "libvirt") }
func (l *Lab) libvirtSocket() string { return filepath.Join(l.libvirtDir(), "run", "libvirt-sock") }

// upLibvirt starts the daemons, then the network and the guests.
func upLibvirt(l *Lab) error {
	start := time.Now()
	if err := l.startDaemons(); err != nil {
		return err
	}
	if err := l.seedLibvirt(); err != nil {
		return err
	}
	// Kept for `lab status`: how long the hypervisor part of `lab up` took.
	took := fmt.Sprintf("%.1f", time.Since(start).Seconds())
	return os.WriteFile(filepath.Join(l.libvirtDir(), "up-seconds"), []byte(took), 0o600)
}

// downLibvirt stops guests, libvirt's dnsmasq and the daemons by their
// pid files; a crashed or half-started lab leaves fewer of them.
func downLibvirt(l *Lab) error {
	return l.stopDaemons()
}

func statusLibvirt(l *Lab) map[string]any {
	st := map[string]any{"libvirtd": l.daemonRunning("libvirtd")}
	if b, err := os.ReadFile(filepath.Join(l.libvirtDir(), "up-seconds")); err == nil {
		st["libvirt_up_seconds"] = string(b)
	}
	return st
}
