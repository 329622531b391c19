package lab

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"rewire/bindings/host"
	"rewire/bindings/target"
	"rewire/bindings/virtconn"
)

// managedLab is realLab with a manager flavour; the `host` module (and
// with it the hand-over and persist) reads the lab's roots while it runs.
// At the end it checks `lab down` left no manager process and no mount.
func managedLab(t *testing.T, f Flavour) *Lab {
	t.Helper()
	if _, err := exec.LookPath("libvirtd"); err != nil {
		t.Skip("libvirtd is not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("the lab needs root (network namespaces)")
	}
	l := &Lab{NetnsDir: t.TempDir(), Dir: t.TempDir(), Flavour: f}
	prev := host.RootsFor
	host.RootsFor = func(tg *target.Target) host.Roots {
		if tg.NetnsPath == l.HostPath() {
			return l.HostRoots()
		}
		return host.DefaultRoots()
	}
	start := time.Now()
	if err := l.Up(func(m string) { t.Log(m) }); err != nil {
		l.Down(func(string) {})
		host.RootsFor = prev
		t.Fatalf("lab up --manager %s: %v", f.Manager, err)
	}
	t.Logf("lab up --manager %s (dhcp %v): %v (libvirt part %v s)", f.Manager, f.DHCP, time.Since(start), l.Status()["libvirt_up_seconds"])
	t.Cleanup(func() {
		host.RootsFor = prev
		pids := l.namespacePids()
		virtconn.Disconnect(l.LibvirtURI())
		if err := l.Down(func(m string) { t.Log(m) }); err != nil {
			t.Errorf("lab down: %v", err)
		}
		for _, p := range pids {
			for _, comm := range []string{"NetworkManager", "systemd-network", "dbus-daemon", "dhclient"} {
				if isProc(p, comm) {
					t.Errorf("%s (pid %d) survived lab down", comm, p)
				}
			}
		}
		if out, _ := exec.Command("pgrep", "-a", "NetworkManager").Output(); len(out) > 0 {
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				for _, p := range pids {
					if strings.HasPrefix(line, fmt.Sprint(p)+" ") {
						t.Errorf("pgrep: %s survived lab down", line)
					}
				}
			}
		}
		b, _ := os.ReadFile("/proc/self/mountinfo")
		if strings.Contains(string(b), l.Dir) {
			t.Errorf("a mount of the lab is left:\n%s", b)
		}
	})
	return l
}

func procName(f Flavour) string {
	if f.Manager == ManagerNM {
		return "NetworkManager"
	}
	if f.Manager == ManagerIfupdown {
		return "ifup"
	}
	return "systemd-networkd"
}

// namespacePids lists the processes in the lab host's namespace.
func (l *Lab) namespacePids() []int {
	want := l.nsLink()
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		if ln, _ := os.Readlink("/proc/" + e.Name() + "/ns/net"); ln == want {
			out = append(out, pid)
		}
	}
	return out
}

// eth0 is the lab host's eth0 as `rewire status --lab` describes it.
func eth0(t *testing.T, l *Lab, dev string) host.Device {
	t.Helper()
	tg := l.Target()
	defer tg.Close()
	d, err := host.DeviceOf(tg, l.HostRoots(), dev)
	if err != nil {
		t.Fatalf("host.DeviceOf(%s): %v", dev, err)
	}
	return d
}

func hostAddr(d host.Device) *host.Address {
	for i, a := range d.Addresses {
		if a.CIDR == HostIP {
			return &d.Addresses[i]
		}
	}
	return nil
}

// checkManaged: the manager owns eth0 with the lab's address (a lease if dhcp).
func checkManaged(t *testing.T, l *Lab, f Flavour, want string) {
	t.Helper()
	var d host.Device
	deadline := time.Now().Add(20 * time.Second)
	for {
		d = eth0(t, l, NIC)
		a := hostAddr(d)
		ok := d.Manager == want && a != nil
		if ok && f.DHCP {
			ok = a.Origin == host.OriginDHCP && a.ValidLft != host.Forever && a.ValidLft > 0 && a.ValidLft <= 120
		}
		if ok {
			t.Logf("eth0: manager %s state %s profile %s addresses %+v", d.Manager, d.State, d.Profile, d.Addresses)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("eth0 is not %s's with %s (dhcp %v): %+v\n%s", want, HostIP, f.DHCP, d, l.logTail(procName(f)))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func testFlavour(t *testing.T, f Flavour, want string) {
	l := managedLab(t, f)
	checkManaged(t, l, f, want)
	st := l.Status()
	noDaemon := f.Manager == ManagerIfupdown && !f.DHCP // ifup ran and left nothing running
	if st["manager"] != f.Manager || (st["manager_pid"].(int) <= 1) != noDaemon {
		t.Fatalf("lab status: manager %v pid %v", st["manager"], st["manager_pid"])
	}
	pid := st["manager_pid"].(int)
	// Something a reboot must undo: a stray bridge, an address, forwarding.
	tg := l.Target()
	for _, args := range [][]string{{"ip", "link", "add", "junk0", "type", "bridge"}, {"ip", "addr", "add", "192.0.2.1/24", "dev", NIC},
		{"sysctl", "-w", "net.ipv4.ip_forward=1"}, {"iptables", "-w", "-A", "INPUT", "-s", "192.0.2.9", "-j", "DROP"}} {
		if out, err := tg.Run(nil, args[0], args[1:]...); err != nil {
			t.Fatalf("%v: %v %s", args, err, out)
		}
	}
	tg.Close()
	start := time.Now()
	if err := l.Reboot(func(m string) { t.Log(m) }); err != nil {
		t.Fatalf("lab reboot: %v", err)
	}
	t.Logf("lab reboot took %v", time.Since(start))
	checkManaged(t, l, f, want)
	if np := l.Status()["manager_pid"].(int); !noDaemon && (np == pid || np <= 1) {
		t.Errorf("the manager was not restarted (pid %d, before %d)", np, pid)
	}
	tg = l.Target()
	defer tg.Close()
	if _, err := tg.LinkByName("junk0"); err == nil {
		t.Error("junk0 survived the reboot")
	}
	if out, _ := tg.Run(nil, "ip", "-4", "addr", "show", "dev", NIC); strings.Contains(string(out), "192.0.2.1") {
		t.Errorf("the stray address survived the reboot:\n%s", out)
	}
	if out, _ := tg.Run(nil, "sysctl", "-n", "net.ipv4.ip_forward"); strings.TrimSpace(string(out)) != "0" {
		// libvirt's NAT network turns it back on when it starts again
		t.Logf("ip_forward after reboot: %s (libvirt's autostart network sets it)", out)
	}
	if out, _ := tg.Run(nil, "iptables", "-w", "-S", "INPUT"); strings.Contains(string(out), "192.0.2.9") {
		t.Errorf("the iptables rule survived the reboot:\n%s", out)
	}
}

func TestLabNetworkdStatic(t *testing.T) {
	testFlavour(t, Flavour{Manager: ManagerNetworkd}, host.Networkd)
}

func TestLabNetworkdDHCP(t *testing.T) {
	testFlavour(t, Flavour{Manager: ManagerNetworkd, DHCP: true}, host.Networkd)
}

func TestLabNetworkManagerStatic(t *testing.T) {
	testFlavour(t, Flavour{Manager: ManagerNM}, host.NetworkManager)
}

func TestLabNetworkManagerDHCP(t *testing.T) {
	testFlavour(t, Flavour{Manager: ManagerNM, DHCP: true}, host.NetworkManager)
}

func TestLabIfupdownStatic(t *testing.T) {
	testFlavour(t, Flavour{Manager: ManagerIfupdown}, host.Ifupdown)
}

func TestLabIfupdownDHCP(t *testing.T) {
	testFlavour(t, Flavour{Manager: ManagerIfupdown, DHCP: true}, host.Ifupdown)
}
