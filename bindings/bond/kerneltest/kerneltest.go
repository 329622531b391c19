// Package kerneltest holds what the distro-kernel VM tests share (they run
// under testdata/kernel/run.sh, which sets REWIRE_KERNEL_VM=1): a guard
// that skips them elsewhere, a netlink-only snapshot of a namespace (the
// VM has no iproute2), and the engine a recipe runs in.
package kerneltest

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/bond"
	"rewire/bindings/modules"
	"rewire/bindings/probe"
	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/bindings/vlan"
	"rewire/lua/engine"
)

// InVM reports whether the tests run inside the distro-kernel VM.
func InVM() bool { return os.Getenv("REWIRE_KERNEL_VM") == "1" }

// NeedVM skips a test that needs bonding, 802.1Q or dummy links outside the VM.
func NeedVM(t testing.TB) {
	t.Helper()
	if !InVM() {
		t.Skip("needs the distro-kernel VM: bash testdata/kernel/run.sh")
	}
}

// Modules are the kernel-only Lua modules plus bond, vlan and probe,
// each once (the module list may already carry them).
func Modules(s *tx.Session) []engine.Module {
	mods := modules.Kernel(s)
	have := map[string]bool{}
	for _, m := range mods {
		have[m.Name] = true
	}
	for _, m := range []engine.Module{bond.Module(s), vlan.Module(s), probe.Module(s)} {
		if !have[m.Name] {
			mods = append(mods, m)
		}
	}
	return mods
}

// NoIPv6 turns IPv6 off in tg, so that link-local addresses, which the
// kernel adds a moment after carrier comes, do not make snapshots racy.
func NoIPv6(tg *target.Target) error {
	return tg.Do(func() error {
		for _, f := range []string{"all", "default"} {
			if err := os.WriteFile("/proc/sys/net/ipv6/conf/"+f+"/disable_ipv6", []byte("1"), 0o644); err != nil {
				return err
			}
		}
		return nil
	})
}

type linkSnap struct {
	Name, Kind, MAC, Master string
	MTU                     int
	Up                      bool
	Bond                    string `json:",omitempty"`
	VLAN                    string `json:",omitempty"`
	Addrs                   []string
}

// Snapshot is the state exactness is judged on: every link (kind, MTU,
// MAC, up, master, bond options, VLAN id and parent, addresses) and every
// route of every table, as `ip -d link; ip addr; ip route show table all`
// would show them. Interface indexes and counters are left out: a link
// deleted on rollback and recreated differs only there.
func Snapshot(tg *target.Target) (string, error) {
	links, err := tg.LinkList()
	if err != nil {
		return "", err
	}
	names := map[int]string{}
	for _, l := range links {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	var snaps []linkSnap
	for _, l := range links {
		a := l.Attrs()
		s := linkSnap{Name: a.Name, Kind: l.Type(), MAC: a.HardwareAddr.String(), Master: names[a.MasterIndex], MTU: a.MTU, Up: a.Flags&net.FlagUp != 0}
		switch v := l.(type) {
		case *netlink.Bond:
			s.Bond = fmt.Sprintf("mode %d miimon %d updelay %d downdelay %d primary %s lacp %d hash %d",
				v.Mode, v.Miimon, v.UpDelay, v.DownDelay, names[v.Primary], v.LacpRate, v.XmitHashPolicy)
		case *netlink.Vlan:
			s.VLAN = fmt.Sprintf("id %d parent %s", v.VlanId, names[a.ParentIndex])
		}
		addrs, err := tg.AddrList(l, unix.AF_UNSPEC)
		if err != nil {
			return "", err
		}
		for _, ad := range addrs {
			s.Addrs = append(s.Addrs, fmt.Sprintf("%s scope %d label %s", ad.IPNet, ad.Scope, ad.Label))
		}
		snaps = append(snaps, s)
	}
	sort.Slice(snaps, func(i, j int) bool { return snaps[i].Name < snaps[j].Name })
	routes, err := tg.RouteList(unix.AF_UNSPEC, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return "", err
	}
	var rs []string
	for _, r := range routes {
		rs = append(rs, fmt.Sprintf("table %d type %d dst %v gw %v dev %s proto %d scope %d src %v metric %d",
			r.Table, r.Type, r.Dst, r.Gw, names[r.LinkIndex], r.Protocol, r.Scope, r.Src, r.Priority))
	}
	sort.Strings(rs)
	b, err := json.MarshalIndent(snaps, "", " ")
	if err != nil {
		return "", err
	}
	return string(b) + "\n" + strings.Join(rs, "\n"), nil
}
