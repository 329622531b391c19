// Package dnsmasq reads DHCP leases (dnsmasq's lease files and libvirt's
// per-bridge status files) and runs a DHCP server for a bridge the way
// libvirt does for its networks: one dnsmasq per bridge, inside the
// target's namespace, with its lease, pid and hosts files under rewire's
// state directory, outliving the rewire process that started it.
package dnsmasq

import (
	"path/filepath"
	"regexp"

	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// LibvirtDir is where libvirt keeps a network's dnsmasq state
// (<bridge>.status with its leases, <bridge>.macs with its domains' MACs).
var LibvirtDir = "/var/lib/libvirt/dnsmasq"

// stateRoot is where rewire keeps the dnsmasq instances it serves for a
// session's target: the target's state dir, else the transaction store's.
func stateRoot(s *tx.Session) string {
	dir := s.Target.StateDir
	if dir == "" && s.Store != nil {
		dir = s.Store.Dir
	}
	return filepath.Join(dir, "dnsmasq")
}

var bridgeRE = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,15}$`)

func checkBridge(name string) error {
	if !bridgeRE.MatchString(name) || name == "." || name == ".." {
		return engine.Invalid("bad bridge name %q", name)
	}
	return nil
}

// instance is the files of the dnsmasq serving one bridge.
type instance struct{ Dir string }

func (i instance) pidFile() string   { return filepath.Join(i.Dir, "pid") }
func (i instance) leaseFile() string { return filepath.Join(i.Dir, "leases") }
func (i instance) hostsFile() string { return filepath.Join(i.Dir, "hosts") }
func (i instance) logFile() string   { return filepath.Join(i.Dir, "log") }
func (i instance) confFile() string  { return filepath.Join(i.Dir, "serve.json") }
