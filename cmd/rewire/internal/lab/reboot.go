package lab

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/vishvananda/netlink"

	"rewire/bindings/persist"
)

// `rewire lab reboot`: the lab host goes through what a reboot does to a
// host's network, inside rewire-lab only — guests and libvirtd stop, the
// manager stops, every link but the NICs (eth0) and lo is deleted,
// addresses and routes are flushed, iptables is emptied, the namespace's
// sysctls go back to the values `lab up` recorded, /run is emptied (it is
// a tmpfs), then the manager starts from its files under LAB/host/etc —
// so what `persist.save()` wrote comes back and nothing else does — and
// libvirtd starts with its autostart networks and guests.
//
// Before the manager starts, what rewire persisted outside the managers
// is booted as systemd would (bootUnits): ETC/sysctl.d, and
// rewire-restore.service's NAT chains.
//
// The `none` flavour models a host whose only network configuration is
// its boot scripts: they give eth0 the lab's static address and default
// route again, and no network configuration rewire did comes back (there
// is no manager to persist to); its sysctls and NAT chains do, if persisted.

// sysctlFile keeps the lab host's net.* sysctls as `lab up` found them.
func (l *Lab) sysctlFile() string { return filepath.Join(l.Dir, "sysctl-boot.conf") }

// netSysctls reads the lab host namespace's net.ipv4/net.ipv6 sysctls
// that a boot resets (the global ones and conf/neigh all+default; the
// per-link ones go with the links).
func (l *Lab) netSysctls() (map[string]string, error) {
	tg := l.Target()
	defer tg.Close()
	out, err := tg.Run(nil, "sysctl", "-a")
	if err != nil && len(out) == 0 {
		return nil, err
	}
	m := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(line, " = ")
		if !ok || !(strings.HasPrefix(k, "net.ipv4.") || strings.HasPrefix(k, "net.ipv6.")) {
			continue
		}
		f := strings.Split(k, ".")
		if len(f) >= 4 && (f[2] == "conf" || f[2] == "neigh") && f[3] != "all" && f[3] != "default" {
			continue
		}
		if k == "net.ipv4.tcp_fastopen_key" {
			continue // a random key per namespace, not a setting
		}
		if strings.Contains(k, "base_reachable_time") && !strings.HasSuffix(k, "_ms") {
			continue // the seconds twin of _ms: writing both is noise
		}
		m[k] = v
	}
	return m, nil
}

func (l *Lab) recordSysctls() error {
	m, err := l.netSysctls()
	if err != nil {
		return fmt.Errorf("reading the lab host's sysctls: %w", err)
	}
	var b strings.Builder
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = %s\n", k, m[k])
	}
	return os.WriteFile(l.sysctlFile(), []byte(b.String()), 0o600)
}

// restoreSysctls writes back the recorded values that changed; forwarding
// first (writing ip_forward resets every conf.*.forwarding).
func (l *Lab) restoreSysctls() ([]string, error) {
	b, err := os.ReadFile(l.sysctlFile())
	if err != nil {
		return nil, err
	}
	now, err := l.netSysctls()
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, " = ")
		if !ok {
			continue
		}
		if cur, ok := now[k]; ok && cur != v {
			changed = append(changed, k+"="+v)
		}
	}
	sort.SliceStable(changed, func(i, j int) bool {
		return strings.HasPrefix(changed[i], "net.ipv4.ip_forward=") && !strings.HasPrefix(changed[j], "net.ipv4.ip_forward=")
	})
	tg := l.Target()
	defer tg.Close()
	var failed []string
	for _, kv := range changed {
		if _, err := tg.Run(nil, "sysctl", "-q", "-w", kv); err != nil {
			failed = append(failed, kv)
		}
	}
	if len(failed) > 0 {
		return changed, fmt.Errorf("could not reset %s", strings.Join(failed, ", "))
	}
	return changed, nil
}

// wipeKernel deletes every link but lo and eth0, flushes eth0's
// addresses and every route, and sets eth0 down: a host's network as
// its kernel has it before anything configured it.
func (l *Lab) wipeKernel() (deleted []string, err error) {
	tg := l.Target()
	defer tg.Close()
	h, err := tg.Handle()
	if err != nil {
		return nil, err
	}
	links, err := tg.LinkList()
	if err != nil {
		return nil, err
	}
	// Ports first, then their masters; VLANs and the like with their
	// parents: deleting in passes until nothing but lo and eth0 is left.
	for pass := 0; pass < 3; pass++ {
		links, _ = tg.LinkList()
		for _, lk := range links {
			n := lk.Attrs().Name
			if n == "lo" || n == NIC {
				continue
			}
			if h.LinkDel(lk) == nil {
				deleted = append(deleted, n)
			}
		}
	}
	nic, err := tg.LinkByName(NIC)
	if err != nil {
		return deleted, fmt.Errorf("the lab NIC is gone: %w", err)
	}
	h.LinkSetNoMaster(nic)
	h.LinkSetDown(nic)
	for _, fam := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		as, _ := tg.AddrList(nic, fam)
		for _, a := range as {
			h.AddrDel(nic, &a)
		}
		rs, _ := tg.RouteList(fam, &netlink.Route{Table: 0}, netlink.RT_FILTER_TABLE)
		for _, r := range rs {
			if r.Table == 255 { // local: the kernel's own
				continue
			}
			h.RouteDel(&r)
		}
	}
	// The MAC a bridge may have taken is eth0's own anyway; set it back
	// in case a script changed it.
	if mac := nic.Attrs().HardwareAddr.String(); mac != NICMAC {
		if hw, err := net.ParseMAC(NICMAC); err == nil {
			h.LinkSetHardwareAddr(nic, hw)
		}
	}
	return deleted, nil
}

// flushFirewall empties iptables (nft-backed and legacy) and ip6tables in
// the lab host's namespace, policies ACCEPT, as a fresh boot has them.
func (l *Lab) flushFirewall() []string {
	tg := l.Target()
	defer tg.Close()
	var did []string
	for _, prog := range []string{"iptables", "ip6tables", "iptables-legacy", "ip6tables-legacy"} {
		ok := false
		for _, table := range []string{"filter", "nat", "mangle", "raw"} {
			_, e1 := tg.Run(nil, prog, "-w", "-t", table, "-F")
			_, e2 := tg.Run(nil, prog, "-w", "-t", table, "-X")
			if e1 == nil && e2 == nil {
				ok = true
			}
		}
		for _, chain := range []string{"INPUT", "FORWARD", "OUTPUT"} {
			tg.Run(nil, prog, "-w", "-P", chain, "ACCEPT")
		}
		if ok {
			did = append(did, prog)
		}
	}
	if _, err := tg.Run(nil, "nft", "flush", "ruleset"); err == nil {
		did = append(did, "nft")
	}
	return did
}

// emptyRun empties LAB/host/run and libvirt's run directory: /run is a
// tmpfs, a reboot starts it empty (leases, runtime profiles, pid files).
func (l *Lab) emptyRun() {
	for _, d := range []string{l.hostFile("run"), filepath.Join(l.libvirtDir(), "run")} {
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			os.RemoveAll(filepath.Join(d, e.Name()))
		}
	}
}

// bootUnits is what the lab host's boot runs of rewire's persistence
// before its network is set up (network-pre.target), as systemd would:
// systemd-sysctl's ETC/sysctl.d/*.conf (the net.* keys: the namespace's
// own; any other would be the machine's), and rewire-restore.service if
// it is enabled — what its ExecStart says, whose --root and --netns must
// name this lab host (a unit that would restore elsewhere is an error).
func (l *Lab) bootUnits(step func(string)) error {
	etc := l.hostFile("etc")
	tg := l.Target()
	defer tg.Close()
	confs, _ := filepath.Glob(filepath.Join(etc, "sysctl.d", "*.conf"))
	sort.Strings(confs)
	for _, c := range confs {
		b, err := os.ReadFile(c)
		if err != nil {
			return err
		}
		var set, skipped []string
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			k, v, ok := strings.Cut(line, "=")
			if !ok || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
				continue
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if !strings.HasPrefix(k, "net.") {
				skipped = append(skipped, k)
				continue
			}
			if out, err := tg.Run(nil, "sysctl", "-q", "-w", k+"="+v); err != nil {
				return fmt.Errorf("systemd-sysctl %s: %s=%s: %v %s", c, k, v, err, out)
			}
			set = append(set, k+"="+v)
		}
		msg := "systemd-sysctl " + c + ": " + strings.Join(set, " ")
		if len(skipped) > 0 {
			msg += " (not the namespace's, left alone: " + strings.Join(skipped, " ") + ")"
		}
		step(msg)
	}
	unit := filepath.Join(etc, "systemd/system/multi-user.target.wants", persist.RestoreUnit)
	b, err := os.ReadFile(unit)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	root, netns := "/", ""
	for _, line := range strings.Split(string(b), "\n") {
		if cmd, ok := strings.CutPrefix(line, "ExecStart="); ok {
			f := strings.Fields(cmd)
			for i := 0; i+1 < len(f); i++ {
				switch f[i] {
				case "--root":
					root = f[i+1]
				case "--netns":
					netns = f[i+1]
				}
			}
		}
	}
	if filepath.Join(root, "etc") != etc || netns != l.HostPath() {
		return fmt.Errorf("%s restores from %s into namespace %q, not the lab host's (%s, %s)", unit, filepath.Join(root, "etc"), netns, etc, l.HostPath())
	}
	res, err := persist.Restore(tg, etc)
	if err != nil {
		return fmt.Errorf("%s: %w", persist.RestoreUnit, err)
	}
	var did []string
	for _, r := range res {
		verb := "unchanged"
		if r.Changed {
			verb = "restored"
		}
		did = append(did, r.Path+" "+verb)
	}
	step(persist.RestoreUnit + ": " + strings.Join(did, ", "))
	return nil
}

// Reboot reboots the lab host (see above); log gets each step.
func (l *Lab) Reboot(log func(string)) error {
	if !l.IsUp() {
		return fmt.Errorf("the lab is not up (rewire lab up)")
	}
	start := time.Now()
	f := l.CurrentFlavour()
	l.Flavour = f
	step := func(s string) { log(fmt.Sprintf("%5.2fs %s", time.Since(start).Seconds(), s)) }
	stopLibvirt := l.daemonRunning("libvirtd")
	if stopLibvirt {
		l.stopDaemons()
		step("libvirtd, its guests and networks stopped")
	}
	if f.Manager != ManagerNone {
		l.stopManager()
		step(f.Manager + " stopped")
	}
	deleted, err := l.wipeKernel()
	if err != nil {
		return err
	}
	if len(deleted) > 0 {
		step("links deleted: " + strings.Join(deleted, " "))
	}
	step(NIC + ": addresses and routes flushed, down")
	if did := l.flushFirewall(); len(did) > 0 {
		step("firewall flushed: " + strings.Join(did, " "))
	}
	changed, err := l.restoreSysctls()
	if len(changed) > 0 {
		step("sysctls reset: " + strings.Join(changed, " "))
	}
	if err != nil {
		step("warning: " + err.Error())
	}
	l.emptyRun()
	step("/run emptied (LAB/host/run, libvirt's run)")
	if err := l.bootUnits(step); err != nil {
		return err
	}
	// Boot.
	if f.Manager == ManagerNone {
		tg := l.Target()
		h, err := tg.Handle()
		if err == nil {
			err = l.staticNIC(h)
		}
		tg.Close()
		if err != nil {
			return fmt.Errorf("boot scripts (static %s): %w", NIC, err)
		}
		step("boot scripts: " + NIC + " " + HostIP + " via " + Gateway + " (flavour none: nothing else comes back)")
	} else {
		if err := l.startManager(f); err != nil {
			return err
		}
		pid := l.managerPid(f)
		step(fmt.Sprintf("%s started from %s (pid %d)", f.Manager, l.hostFile("etc"), pid))
		dev, err := l.waitNIC(30 * time.Second)
		if err != nil {
			return fmt.Errorf("%s: %w (its log: %s)", f.Manager, err, l.hostDir())
		}
		step(fmt.Sprintf("%s brought %s up: %s on %s, default via %s", f.Manager, NIC, HostIP, dev, Gateway))
	}
	if stopLibvirt {
		if err := l.startDaemons(); err != nil {
			return fmt.Errorf("libvirtd: %w", err)
		}
		step("libvirtd started (autostart networks and guests with it)")
	}
	step("lab host rebooted")
	return nil
}
