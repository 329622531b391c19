package lab

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/vishvananda/netlink"

	"rewire/bindings/host"
	"rewire/bindings/host/sandbox"
	"rewire/cmd/rewire/internal/labpath"
)

// The lab host's network manager (`lab up --manager`): the real daemon of
// that flavour — NetworkManager with a private system bus,
// systemd-networkd, or ifupdown with dhclient — runs inside the lab host's
// network namespace and, as /work/shared/HOST-MANAGERS.md measured it, in
// a private mount and UTS namespace whose /run, /etc/NetworkManager,
// /etc/systemd/network, /etc/network/interfaces(.d), /etc/netplan,
// /var/lib/NetworkManager and /var/lib/dhcp are directories under
// LAB/host (the roots `rewire status --lab`, the hand-over and persist
// read), with a fresh read-only sysfs so neither NM nor networkd waits for
// udev. Nothing of it ever runs in the machine's own network namespace:
// the wrapper refuses to exec there. The daemons outlive `lab up`; their
// pids are kept under LAB/host so `lab down` ends them also after a crash.

// Manager flavours.
const (
	ManagerNone     = "none"
	ManagerNM       = "networkmanager"
	ManagerNetworkd = "networkd"
	ManagerIfupdown = "ifupdown"
)

// Managers are the flavours `lab up --manager` accepts.
var Managers = []string{ManagerNone, ManagerNetworkd, ManagerNM, ManagerIfupdown}

// Flavour is how the lab host's eth0 is configured, kept in LAB/flavour.json.
type Flavour struct {
	Manager string `json:"manager"`
	DHCP    bool   `json:"dhcp"`
}

// NICLease is the lease time of eth0's reservation on the LAN's DHCP
// server (dnsmasq's shortest, so tests see renewals).
const NICLease = "2m"

// networkdBinary is where Debian installs systemd-networkd.
const networkdBinary = "/lib/systemd/systemd-networkd"

// machineNS is this process's network namespace when it started — the
// machine's own, read before any thread moved into a lab namespace.
var machineNS, _ = os.Readlink("/proc/thread-self/ns/net")

func (l *Lab) hostDir() string          { return filepath.Join(l.Dir, "host") }
func (l *Lab) hostFile(p string) string { return filepath.Join(l.hostDir(), p) }
func (l *Lab) flavourFile() string      { return filepath.Join(l.Dir, "flavour.json") }

// CheckFlavour validates a flavour before the lab is built.
func CheckFlavour(f Flavour) error {
	for _, m := range Managers {
		if f.Manager == m {
			if f.DHCP && m == ManagerNone {
				return fmt.Errorf("--dhcp needs a manager (networkd, networkmanager or ifupdown): with none nothing would ask for a lease")
			}
			return nil
		}
	}
	return fmt.Errorf("unknown manager %q (one of %s)", f.Manager, strings.Join(Managers, ", "))
}

// CurrentFlavour is the flavour the lab was brought up with (none when
// the lab is down or predates flavours).
func (l *Lab) CurrentFlavour() Flavour {
	f := Flavour{Manager: ManagerNone}
	if b, err := os.ReadFile(l.flavourFile()); err == nil {
		json.Unmarshal(b, &f)
	}
	if f.Manager == "" {
		f.Manager = ManagerNone
	}
	return f
}

func (l *Lab) flavour() Flavour {
	if l.Flavour.Manager == "" {
		return Flavour{Manager: ManagerNone}
	}
	return l.Flavour
}

// prelude runs as `sh -c prelude sh MACHINENS DIR argv...` inside
// `unshare -m --propagation private -u`: it refuses the machine's own
// network namespace (and PID 1's), binds DIR over the managers' paths,
// mounts a fresh read-only sysfs (this namespace's devices, no udev to
// wait for), names the UTS namespace and execs argv.
var prelude = sandbox.Prelude("rewire lab", "rewire-lab")

// layoutHost makes LAB/host's directories (those a boot finds: /run is
// made afresh by reboot).
func (l *Lab) layoutHost() error {
	dirs := []string{"empty", "run/dbus", "run/network", "etc/NetworkManager/system-connections",
		"etc/NetworkManager/conf.d", "etc/systemd/network", "etc/network/interfaces.d", "etc/netplan",
		"var/lib/NetworkManager", "var/lib/dhcp"}
	for _, d := range dirs {
		if err := os.MkdirAll(l.hostFile(d), 0o755); err != nil {
			return err
		}
	}
	for name, body := range map[string]string{
		"etc/resolv.conf":        "",
		"etc/network/interfaces": "auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n",
	} {
		if _, err := os.Stat(l.hostFile(name)); err != nil {
			if err := os.WriteFile(l.hostFile(name), []byte(body), 0o644); err != nil {
				return err
			}
		}
	}
	// networkd drops to systemd-network and writes its state under
	// /run/systemd/netif, as its unit's RuntimeDirectory would make it.
	if out, err := exec.Command("id", "-u", "systemd-network").Output(); err == nil {
		uid, _ := strconv.Atoi(strings.TrimSpace(string(out)))
		gout, _ := exec.Command("id", "-g", "systemd-network").Output()
		gid, _ := strconv.Atoi(strings.TrimSpace(string(gout)))
		for _, d := range []string{"systemd/netif", "systemd/netif/links", "systemd/netif/leases", "systemd/netif/lldp"} {
			p := l.hostFile("run/" + d)
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
			os.Chown(p, uid, gid)
		}
	}
	return nil
}

// nsLink is the lab host's namespace as /proc/PID/ns/net reads it.
func (l *Lab) nsLink() string {
	var st syscall.Stat_t
	if err := syscall.Stat(l.HostPath(), &st); err != nil {
		return ""
	}
	return "net:[" + strconv.FormatUint(st.Ino, 10) + "]"
}

// sandboxed is argv wrapped to run in the managers' private mount ns.
func (l *Lab) sandboxed(argv ...string) (*exec.Cmd, error) {
	want := l.nsLink()
	pid1, _ := os.Readlink("/proc/1/ns/net")
	if want == "" || machineNS == "" || want == machineNS || want == pid1 {
		return nil, fmt.Errorf("refusing to start %s: the lab host namespace is not a namespace of its own", argv[0])
	}
	args := append([]string{"-m", "--propagation", "private", "-u", "--", "/bin/sh", "-c", prelude, "sh", machineNS, l.hostDir()}, argv...)
	return exec.Command("unshare", args...), nil
}

// startDaemon starts argv in the sandbox as a daemon of its own session
// (it outlives `lab up`), output to LAB/host/NAME.log, pid in NAME.pid.
func (l *Lab) startDaemon(name string, argv ...string) (int, error) {
	cmd, err := l.sandboxed(argv...)
	if err != nil {
		return 0, err
	}
	f, err := os.OpenFile(l.hostFile(name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	tg := l.Target()
	defer tg.Close()
	if err := tg.Start(cmd); err != nil {
		return 0, fmt.Errorf("start %s: %w", name, err)
	}
	go cmd.Wait() // reaped when it ends, while this process lives
	pid := cmd.Process.Pid
	if err := os.WriteFile(l.hostFile(name+".pid"), []byte(strconv.Itoa(pid)), 0o600); err != nil {
		return pid, err
	}
	// unshare and the prelude exec the daemon in the same process: wait
	// for it to bear the daemon's name (or to fail).
	comm := filepath.Base(argv[0])
	if len(comm) > 15 {
		comm = comm[:15]
	}
	if waitUntil(3*time.Second, func() bool { return isProc(pid, comm) || !isProc(pid, "") }) != nil || !isProc(pid, comm) {
		return pid, fmt.Errorf("%s did not start: %s", name, l.logTail(name))
	}
	return pid, nil
}

// execSandboxed runs argv in the sandbox to completion.
func (l *Lab) execSandboxed(argv ...string) (string, error) {
	cmd, err := l.sandboxed(argv...)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	tg := l.Target()
	defer tg.Close()
	if err := tg.Start(cmd); err != nil {
		return "", err
	}
	err = cmd.Wait()
	return out.String(), err
}

// The profiles `lab up --manager` writes for eth0: what a host installed
// with that manager would have.
func (l *Lab) writeProfiles(f Flavour) error {
	gw := Gateway
	files := map[string]string{}
	switch f.Manager {
	case ManagerNetworkd:
		body := "[Match]\nName=" + NIC + "\n\n[Network]\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n"
		if f.DHCP {
			body += "DHCP=ipv4\n\n[DHCPv4]\nUseHostname=no\nUseDNS=no\n"
		} else {
			body += "Address=" + HostIP + "\nGateway=" + gw + "\n"
		}
		files["etc/systemd/network/10-"+NIC+".network"] = body
	case ManagerNM:
		files["etc/NetworkManager/NetworkManager.conf"] = sandbox.NMConf
		body := "[connection]\nid=" + NIC + "\ntype=ethernet\ninterface-name=" + NIC + "\n\n[ipv4]\n"
		if f.DHCP {
			body += "method=auto\n"
		} else {
			body += "method=manual\naddress1=" + HostIP + "," + gw + "\n"
		}
		body += "\n[ipv6]\nmethod=disabled\n"
		files["etc/NetworkManager/system-connections/"+NIC+".nmconnection"] = body
	case ManagerIfupdown:
		body := "auto " + NIC + "\n"
		if f.DHCP {
			body += "iface " + NIC + " inet dhcp\n"
		} else {
			body += "iface " + NIC + " inet static\n    address " + HostIP + "\n    gateway " + gw + "\n"
		}
		files["etc/network/interfaces.d/"+NIC] = body
	}
	for rel, body := range files {
		p := l.hostFile(rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644) // networkd reads its units after dropping root
		if strings.HasPrefix(rel, "etc/NetworkManager/") {
			mode = 0o600 // NM ignores a keyfile others can read
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			return err
		}
	}
	return nil
}

// managerProcs are the processes of each flavour, by pid-file name and
// the command name /proc shows (15 characters at most).
var managerProcs = map[string][][2]string{
	ManagerNetworkd: {{"systemd-networkd", "systemd-network"}, {"dbus-daemon", "dbus-daemon"}},
	ManagerNM:       {{"NetworkManager", "NetworkManager"}, {"dbus-daemon", "dbus-daemon"}},
	ManagerIfupdown: {},
}

// startManager boots the flavour's manager from the files under LAB/host
// (as they are: after `persist.save()` they are what it wrote).
func (l *Lab) startManager(f Flavour) error {
	if err := l.layoutHost(); err != nil {
		return err
	}
	switch f.Manager {
	case ManagerNetworkd:
		if _, err := exec.LookPath(networkdBinary); err != nil {
			return fmt.Errorf("systemd-networkd is not installed (%s)", networkdBinary)
		}
		// networkd's bus: `networkctl reload` (the hand-over's) needs it.
		if err := l.startBus(); err != nil {
			return err
		}
		if _, err := l.startDaemon("systemd-networkd", networkdBinary); err != nil {
			return err
		}
		bus := "unix:path=" + l.hostFile("run/dbus/system_bus_socket")
		if err := waitUntil(10*time.Second, func() bool { return busHasName(bus, "org.freedesktop.network1") }); err != nil {
			return fmt.Errorf("systemd-networkd is not on the lab's bus: %s", l.logTail("systemd-networkd"))
		}
		return nil
	case ManagerNM:
		for _, p := range []string{"NetworkManager", "dbus-daemon"} {
			if _, err := exec.LookPath(p); err != nil {
				return fmt.Errorf("%s is not installed", p)
			}
		}
		if err := l.startBus(); err != nil {
			return err
		}
		sock := l.hostFile("run/dbus/system_bus_socket")
		if _, err := l.startDaemon("NetworkManager", "NetworkManager", "--no-daemon", "--config=/etc/NetworkManager/NetworkManager.conf"); err != nil {
			return err
		}
		if err := waitUntil(10*time.Second, func() bool { return busHasName("unix:path="+sock, "org.freedesktop.NetworkManager") }); err != nil {
			return fmt.Errorf("NetworkManager is not on the lab's bus: %s", l.logTail("NetworkManager"))
		}
		return nil
	case ManagerIfupdown:
		for _, p := range []string{"ifup", "dhclient"} {
			if _, err := exec.LookPath(p); err != nil {
				return fmt.Errorf("%s is not installed", p)
			}
		}
		out, err := l.execSandboxed("ifup", "-a", "-i", "/etc/network/interfaces", "--state-dir=/run/network")
		os.WriteFile(l.hostFile("ifup.log"), []byte(out), 0o600)
		if err != nil {
			return fmt.Errorf("ifup -a: %v: %s", err, strings.TrimSpace(out))
		}
		return nil
	}
	return nil
}

// startBus starts the lab host's system bus (a dbus-daemon of its own in
// the sandbox: /run/dbus/system_bus_socket there, LAB/host/run/... here)
// and returns once it accepts connections.
func (l *Lab) startBus() error {
	if err := os.WriteFile(l.hostFile("bus.conf"), []byte(sandbox.BusConfig("/run/dbus/system_bus_socket")), 0o644); err != nil {
		return err
	}
	sock := l.hostFile("run/dbus/system_bus_socket")
	os.Remove(sock)
	if _, err := l.startDaemon("dbus-daemon", "dbus-daemon", "--config-file="+l.hostFile("bus.conf"), "--nofork", "--nopidfile"); err != nil {
		return err
	}
	if err := waitUntil(5*time.Second, func() bool {
		c, err := net.Dial("unix", sock)
		if err == nil {
			c.Close()
		}
		return err == nil
	}); err != nil {
		return fmt.Errorf("the lab's system bus did not come up: %s", l.logTail("dbus-daemon"))
	}
	return nil
}

func busHasName(addr, name string) bool {
	c, err := dbus.Connect(addr)
	if err != nil {
		return false
	}
	defer c.Close()
	var has bool
	err = c.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has)
	return err == nil && has
}

func (l *Lab) logTail(name string) string {
	b, _ := os.ReadFile(l.hostFile(name + ".log"))
	if len(b) > 1500 {
		b = b[len(b)-1500:]
	}
	return fmt.Sprintf("(%s)\n%s", l.hostFile(name+".log"), b)
}

// stopManager ends the manager's processes: by their pid files, then any
// manager process (dhclient included) left in the lab host's namespace.
func (l *Lab) stopManager() {
	for _, ps := range managerProcs {
		for _, p := range ps {
			killPidFile(l.hostFile(p[0]+".pid"), p[1])
			os.Remove(l.hostFile(p[0] + ".pid"))
		}
	}
	want := l.nsLink()
	if want == "" || want == machineNS {
		return
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if ln, err := os.Readlink("/proc/" + e.Name() + "/ns/net"); err != nil || ln != want {
			continue
		}
		for _, comm := range []string{"NetworkManager", "systemd-network", "dbus-daemon", "dhclient"} {
			if isProc(pid, comm) {
				f := filepath.Join(l.Dir, "sweep.pid")
				os.WriteFile(f, []byte(strconv.Itoa(pid)), 0o600)
				killPidFile(f, comm)
				os.Remove(f)
			}
		}
	}
}

// managerPid is the running manager's pid (dhclient's for ifupdown), 0 if none.
func (l *Lab) managerPid(f Flavour) int {
	switch f.Manager {
	case ManagerNetworkd:
		return l.pidOf("systemd-networkd", "systemd-network")
	case ManagerNM:
		return l.pidOf("NetworkManager", "NetworkManager")
	case ManagerIfupdown:
		m, _ := filepath.Glob(l.hostFile("run/dhclient*.pid"))
		for _, p := range m {
			b, _ := os.ReadFile(p)
			if pid, _ := strconv.Atoi(strings.TrimSpace(string(b))); pid > 1 && isProc(pid, "dhclient") {
				return pid
			}
		}
	}
	return 0
}

func (l *Lab) pidOf(file, comm string) int {
	b, err := os.ReadFile(l.hostFile(file + ".pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid > 1 && isProc(pid, comm) {
		return pid
	}
	return 0
}

// waitNIC waits until the lab host holds HostIP on some link with the
// default route via the gateway, and returns that link's name.
func (l *Lab) waitNIC(timeout time.Duration) (string, error) {
	tg := l.Target()
	defer tg.Close()
	want, _ := netlink.ParseAddr(HostIP)
	var dev string
	err := waitUntil(timeout, func() bool {
		links, err := tg.LinkList()
		if err != nil {
			return false
		}
		dev = ""
		for _, lk := range links {
			as, _ := tg.AddrList(lk, netlink.FAMILY_V4)
			for _, a := range as {
				if a.IP.Equal(want.IP) {
					dev = lk.Attrs().Name
				}
			}
		}
		if dev == "" {
			return false
		}
		rs, _ := tg.RouteList(netlink.FAMILY_V4, &netlink.Route{}, 0)
		for _, r := range rs {
			isDefault := r.Dst == nil
			if r.Dst != nil {
				ones, _ := r.Dst.Mask.Size()
				isDefault = ones == 0
			}
			if isDefault && r.Gw != nil && r.Gw.String() == Gateway {
				return true
			}
		}
		return false
	})
	if err != nil {
		a, _ := tg.Run(nil, "ip", "-br", "addr")
		r, _ := tg.Run(nil, "ip", "route")
		return dev, fmt.Errorf("after %v the lab host has no %s with a default route via %s:\n%s%s", timeout, HostIP, Gateway, a, r)
	}
	return dev, nil
}

func waitUntil(timeout time.Duration, cond func() bool) error {
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		if cond() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v", timeout)
		}
	}
}

// upManager is the "host manager" part of `lab up`: profiles for eth0,
// then the daemon, then a bounded wait for eth0's address.
func upManager(l *Lab) error {
	f := l.flavour()
	if f.Manager == ManagerNone {
		return nil
	}
	if err := l.layoutHost(); err != nil {
		return err
	}
	if err := l.writeProfiles(f); err != nil {
		return err
	}
	if err := l.startManager(f); err != nil {
		return err
	}
	if _, err := l.waitNIC(30 * time.Second); err != nil {
		return fmt.Errorf("%w; %s's log %s", err, f.Manager, l.logTail(map[string]string{ManagerNM: "NetworkManager", ManagerNetworkd: "systemd-networkd", ManagerIfupdown: "ifup"}[f.Manager]))
	}
	return nil
}

func downManager(l *Lab) error {
	l.stopManager()
	return nil
}

func statusManager(l *Lab) map[string]any {
	f := l.CurrentFlavour()
	st := map[string]any{"manager": f.Manager}
	if f.Manager != ManagerNone {
		st["manager_dhcp"] = f.DHCP
		st["manager_pid"] = l.managerPid(f)
		st["manager_files"] = l.hostDir()
	}
	return st
}

// HostRoots are the lab host's managers' roots (LAB/host/{etc,run,var/lib}),
// what cmd/rewire's host_roots.go gives the `host` module for --lab.
func (l *Lab) HostRoots() host.Roots {
	return labpath.HostRoots(l.Dir)
}
