// Package lab builds the throw-away KVM-host lookalike that `rewire lab up`
// and `--lab` use: namespace rewire-lab is the host (eth0 10.0.0.111/24,
// default via 10.0.0.1), namespace rewire-lan is the office LAN (a bridge
// holding eth0's peer and the gateway 10.0.0.1/24). Nothing of the real
// host is touched; `lab down` removes every trace, also after a crash.
// `lab up --manager networkd|networkmanager|ifupdown [--dhcp]` has the
// real manager of that flavour configure eth0 (manager.go); `lab reboot`
// puts the lab host through a reboot (reboot.go). `lab up --from
// host.json` builds the lab host from a snapshot of a real host
// (from*.go, libvirt_from.go); the fixed lab is itself the built-in
// snapshot (builtin.go), so both are built one way.
package lab

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"rewire/bindings/snapshot"
	"rewire/bindings/target"
	"rewire/cmd/rewire/internal/labpath"
)

// Addresses of the lab, as SCENARIOS.md S2 has them.
const (
	HostNS   = labpath.HostNS
	LANNS    = labpath.LANNS
	HostIP   = "10.0.0.111/24"
	Gateway  = "10.0.0.1"
	LANCIDR  = "10.0.0.1/24"
	NIC      = "eth0"
	NICMAC   = "52:54:00:aa:bb:cc"
	LANBr    = "lan0"
	LANPort  = "lan-eth0"
	netnsDir = labpath.NetnsDir
)

// Lab is the lab host's layout on this machine.
type Lab struct {
	NetnsDir string // where the namespaces are bound (/run/netns)
	Dir      string // the lab's own state (/run/rewire-lab)
	// Flavour is what `lab up` gives eth0: its manager and static or
	// DHCP (zero: none, today's static lab). Up keeps it in LAB/flavour.json.
	Flavour Flavour
	// From is the snapshot `lab up --from` builds the lab from (nil: the
	// fixed lab); FromName is its file, for `lab status`.
	From     *snapshot.Snapshot
	FromName string

	fromPlan *fromPlan
	notes    []string // what the lab leaves out of From, one line each
}

// Default is the lab `rewire lab` manages.
func Default() *Lab {
	return &Lab{NetnsDir: netnsDir, Dir: labpath.Dir()}
}

// HostPath is the bound namespace of the lab host.
func (l *Lab) HostPath() string { return filepath.Join(l.NetnsDir, HostNS) }

// LANPath is the bound namespace of the lab's LAN.
func (l *Lab) LANPath() string { return filepath.Join(l.NetnsDir, LANNS) }

// IsUp reports whether the lab host namespace exists.
func (l *Lab) IsUp() bool { return target.IsNS(l.HostPath()) }

// Target is the lab host as a transaction target.
func (l *Lab) Target() *target.Target {
	t := target.AtPath("lab", l.HostPath())
	t.StateDir = l.Dir
	t.LibvirtURI = l.LibvirtURI()
	return t
}

// LAN is the LAN namespace as a target (for probes from the LAN side).
func (l *Lab) LAN() *target.Target { return target.AtPath("lan", l.LANPath()) }

// Extra is a part of the lab another package provides (libvirtd and its
// guests, a DHCP server on the LAN, sshd): brought up after the namespaces,
// down before they go.
type Extra struct {
	Name   string
	Up     func(*Lab) error
	Down   func(*Lab) error          // must tolerate a half-up or crashed extra
	Status func(*Lab) map[string]any // optional, merged into `lab status`
}

var (
	extrasMu sync.Mutex
	extras   []Extra
	uriFunc  func(*Lab) string
)

// RegisterExtra adds a part to every lab. Order of registration is order of Up.
func RegisterExtra(e Extra) {
	extrasMu.Lock()
	defer extrasMu.Unlock()
	extras = append(extras, e)
}

// SetLibvirtURI lets the libvirt part say how to reach the lab's daemon.
func SetLibvirtURI(f func(*Lab) string) { uriFunc = f }

// LibvirtURI is the lab daemon's URI, or "" when the lab has none.
func (l *Lab) LibvirtURI() string {
	if uriFunc == nil {
		return ""
	}
	return uriFunc(l)
}

// Up builds the lab. It fails if a lab is already up.
func (l *Lab) Up(log func(string)) error {
	if l.IsUp() {
		return fmt.Errorf("the lab is already up (rewire lab down removes it)")
	}
	if l.From == nil && l.flavour().Manager == ManagerNone {
		l.From, l.FromName = Builtin(), BuiltinName // one way to build a lab
	}
	if l.From != nil {
		if l.flavour().Manager != ManagerNone {
			return fmt.Errorf("--from and --manager: the snapshot says who manages each device")
		}
		// Planned before anything is made: bad input leaves nothing up.
		p, err := planFrom(l.From)
		if err != nil {
			return err
		}
		l.fromPlan, l.notes = p, append([]string(nil), p.leftOut...)
	}
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return err
	}
	// Not up, so a namespace file still there is a crashed lab's, or one
	// an older `lab down` could not remove: clear it, or creating fails.
	for _, p := range []string{l.HostPath(), l.LANPath()} {
		if err := target.RemoveNS(p); err != nil {
			return fmt.Errorf("a stale lab namespace: %w", err)
		}
	}
	f := l.flavour()
	if err := CheckFlavour(f); err != nil {
		return err
	}
	if b, err := json.Marshal(f); err != nil {
		return err
	} else if err := os.WriteFile(l.flavourFile(), b, 0o600); err != nil {
		return err
	}
	build := l.upNamespaces
	if l.From != nil {
		build = func() error { return l.upFromNamespaces(l.fromPlan) }
	}
	if err := build(); err != nil {
		l.Down(func(string) {})
		return err
	}
	if err := l.recordSysctls(); err != nil {
		l.Down(func(string) {})
		return err
	}
	if l.From != nil && !l.isBuiltin() {
		log(fmt.Sprintf("lab host %s from %s (%s, taken %s): %d links, %d routes, %d networks, %d domains",
			HostNS, l.FromName, l.From.Hostname, l.From.Taken, len(l.From.Links), len(l.From.Routes), len(l.From.Networks), len(l.From.Domains)))
		for _, u := range l.fromPlan.uplinks {
			log(fmt.Sprintf("lab LAN %s: bridge %s %s holding %s's peer %s", LANNS, u.Bridge, strings.Join(u.Gateways, " "), u.NIC, u.Port))
		}
	} else if f.Manager == ManagerNone {
		log(fmt.Sprintf("lab host %s: %s %s (%s), default via %s", HostNS, NIC, HostIP, NICMAC, Gateway))
	} else {
		how := "static " + HostIP + " via " + Gateway
		if f.DHCP {
			how = "DHCP from the LAN (reserved " + strings.TrimSuffix(HostIP, "/24") + ", " + NICLease + " leases)"
		}
		log(fmt.Sprintf("lab host %s: %s (%s) managed by %s: %s; files under %s", HostNS, NIC, NICMAC, f.Manager, how, l.hostDir()))
	}
	if l.From == nil || l.isBuiltin() {
		log(fmt.Sprintf("lab LAN %s: bridge %s %s", LANNS, LANBr, LANCIDR))
	}
	for _, e := range extras {
		if err := e.Up(l); err != nil {
			l.Down(func(string) {})
			return fmt.Errorf("lab %s: %w", e.Name, err)
		}
		log("lab " + e.Name + ": up")
	}
	if l.From == nil {
		return nil
	}
	if err := l.finishFrom(l.fromPlan); err != nil {
		l.Down(func(string) {})
		return fmt.Errorf("lab from %s: %w", l.FromName, err)
	}
	for _, n := range l.notes {
		log("left out: " + n)
	}
	return l.recordFrom()
}

// createNamespaces makes the LAN's and the lab host's namespaces, bound
// at their paths; the caller closes both.
func (l *Lab) createNamespaces() (lan, host *target.Target, err error) {
	if lan, err = target.CreateNS("lan", l.LANPath()); err != nil {
		return nil, nil, err
	}
	if host, err = target.CreateNS("lab", l.HostPath()); err != nil {
		lan.Close()
		return nil, nil, err
	}
	return lan, host, nil
}

func (l *Lab) upNamespaces() error {
	lan, host, err := l.createNamespaces()
	if err != nil {
		return err
	}
	defer lan.Close()
	defer host.Close()
	lh, _ := lan.Handle()
	hh, _ := host.Handle()

	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: LANBr}}
	if err := lh.LinkAdd(br); err != nil {
		return fmt.Errorf("LAN bridge: %w", err)
	}
	if err := addAddr(lh, LANBr, LANCIDR); err != nil {
		return err
	}
	lanNS, err := netns.GetFromPath(l.LANPath())
	if err != nil {
		return err
	}
	defer lanNS.Close()
	mac, _ := net.ParseMAC(NICMAC)
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: NIC, HardwareAddr: mac}, PeerName: LANPort,
		PeerNamespace: netlink.NsFd(int(lanNS))}
	if err := hh.LinkAdd(veth); err != nil {
		return fmt.Errorf("lab NIC: %w", err)
	}
	port, err := lh.LinkByName(LANPort)
	if err != nil {
		return err
	}
	brl, _ := lh.LinkByName(LANBr)
	if err := lh.LinkSetMaster(port, brl); err != nil {
		return err
	}
	for _, l := range []netlink.Link{port, brl} {
		if err := lh.LinkSetUp(l); err != nil {
			return err
		}
	}
	if l.flavour().Manager != ManagerNone {
		return nil // the manager configures eth0, as at boot
	}
	return l.staticNIC(hh)
}

// staticNIC gives eth0 the lab's static address and default route (the
// `none` lab: at `lab up`, and at `lab reboot` as the host's boot scripts).
func (l *Lab) staticNIC(hh *netlink.Handle) error {
	if err := addAddr(hh, NIC, HostIP); err != nil {
		return err
	}
	nic, _ := hh.LinkByName(NIC)
	if err := hh.LinkSetUp(nic); err != nil {
		return err
	}
	gw := net.ParseIP(Gateway)
	if err := hh.RouteAdd(&netlink.Route{LinkIndex: nic.Attrs().Index, Gw: gw}); err != nil {
		return fmt.Errorf("lab default route: %w", err)
	}
	return nil
}

func addAddr(h *netlink.Handle, dev, cidr string) error {
	l, err := h.LinkByName(dev)
	if err != nil {
		return err
	}
	a, err := netlink.ParseAddr(cidr)
	if err != nil {
		return err
	}
	if err := h.AddrAdd(l, a); err != nil {
		return fmt.Errorf("address %s on %s: %w", cidr, dev, err)
	}
	return nil
}

// Down removes the lab: extras in reverse, then both namespaces (which
// takes their links with them). It tolerates a half-built or crashed lab.
func (l *Lab) Down(log func(string)) error {
	var errs []error
	for i := len(extras) - 1; i >= 0; i-- {
		if extras[i].Down == nil {
			continue
		}
		if err := extras[i].Down(l); err != nil {
			errs = append(errs, fmt.Errorf("lab %s: %w", extras[i].Name, err))
		} else {
			log("lab " + extras[i].Name + ": down")
		}
	}
	for _, p := range []string{l.HostPath(), l.LANPath()} {
		if err := target.RemoveNS(p); err != nil {
			errs = append(errs, err)
		}
	}
	os.RemoveAll(l.Dir)
	log("lab namespaces removed")
	if len(errs) > 0 {
		return fmt.Errorf("%v", errs)
	}
	return nil
}

// Status describes the lab for `rewire lab status`.
func (l *Lab) Status() map[string]any {
	st := map[string]any{"up": l.IsUp(), "host_netns": l.HostPath(), "lan_netns": l.LANPath(), "dir": l.Dir}
	if uri := l.LibvirtURI(); uri != "" {
		st["libvirt_uri"] = uri
	}
	if !l.IsUp() {
		return st
	}
	statusFrom(l, st)
	tg := l.Target()
	defer tg.Close()
	if links, err := tg.LinkList(); err == nil {
		var names []string
		for _, lk := range links {
			names = append(names, lk.Attrs().Name)
		}
		sort.Strings(names)
		st["links"] = names
	}
	for _, e := range extras {
		if e.Status != nil {
			for k, v := range e.Status(l) {
				st[k] = v
			}
		}
	}
	return st
}
