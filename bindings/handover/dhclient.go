package handover

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/errkind"
	"rewire/bindings/host"
	"rewire/bindings/host/sandbox"
	"rewire/bindings/target"
)

// Dhclient is a dhclient as ifupdown started it (`dhclient -4 -v -i -pf
// /run/dhclient.eth0.pid -lf /var/lib/dhcp/dhclient.eth0.leases -I -df
// /var/lib/dhcp/dhclient6.eth0.leases eth0`): what stopping it and
// starting it again exactly needs, paths as the client names them.
type Dhclient struct {
	Dev       string   `json:"dev"`
	Argv      []string `json:"argv"`       // its command line, as /proc/PID/cmdline reads
	PidFile   string   `json:"pid_file"`   // -pf
	LeaseFile string   `json:"lease_file"` // -lf
	// Hostname is its UTS namespace's: dhclient.conf sends it.
	Hostname string `json:"hostname,omitempty"`
}

// unit is the transient systemd unit rewire runs d's client in
// (rewire-dhclient-br0, rewire-dhclient6-br0).
func (d Dhclient) unit() string {
	if d.v6() {
		return "rewire-dhclient6-" + d.Dev
	}
	return "rewire-dhclient-" + d.Dev
}

// v6 says whether d is a DHCPv6 client (dhclient -6).
func (d Dhclient) v6() bool {
	for _, a := range d.Argv {
		if a == "-6" {
			return true
		}
	}
	return false
}

// waitLinkLocal waits (bounded, 5 s) until dev has a link-local address
// past duplicate address detection: dhclient -6 binds to it, and exits
// when it is still tentative (ifupdown waits the same way before it).
func waitLinkLocal(tg *target.Target, dev string) {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		l, err := tg.LinkByName(dev)
		if err != nil {
			return
		}
		as, _ := tg.AddrList(l, netlink.FAMILY_V6)
		for _, a := range as {
			if a.IP.IsLinkLocalUnicast() && a.Flags&unix.IFA_F_TENTATIVE == 0 {
				return
			}
		}
	}
}

// findDhclient reads the dhclient holding dev's lease (its pid as
// detection named it: "dhclient pid N").
func findDhclient(dev string, a host.Address) (*Dhclient, error) {
	pid, err := strconv.Atoi(strings.TrimPrefix(a.Client, "dhclient pid "))
	if err != nil {
		return nil, errkind.Invalid("%s: its lease %s is held by %s, which rewire does not know how to move", dev, a.CIDR, a.Client)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil, errkind.System("%s: dhclient pid %d: %v", dev, pid, err)
	}
	d := &Dhclient{Dev: dev, Argv: strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")}
	d.PidFile, d.LeaseFile = argAfter(d.Argv, "-pf"), argAfter(d.Argv, "-lf")
	if d.PidFile == "" || d.LeaseFile == "" || !names(d.Argv, dev) {
		return nil, errkind.Invalid("%s: dhclient pid %d (%s) names no pid file, lease file or %s: not ifupdown's, rewire cannot restart it exactly", dev, pid, strings.Join(d.Argv, " "), dev)
	}
	out, err := exec.Command("nsenter", "--uts=/proc/"+strconv.Itoa(pid)+"/ns/uts", "hostname").Output()
	if err != nil {
		return nil, errkind.System("%s: hostname of dhclient pid %d: %v", dev, pid, err)
	}
	d.Hostname = strings.TrimSpace(string(out))
	if strings.Trim(d.Hostname, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != "" {
		return nil, errkind.Invalid("%s: dhclient pid %d runs under hostname %q, which is no host name", dev, pid, d.Hostname)
	}
	return d, nil
}

// forDev is the same client for another device: the interface argument,
// the pid file and the lease file renamed as ifupdown would name them for
// it (/run/dhclient.br0.pid, /var/lib/dhcp/dhclient.br0.leases); the
// DUID file (-df) stays: the identity is the host's.
func (d Dhclient) forDev(to string) Dhclient {
	n := d
	n.Dev = to
	rename := func(p string) string {
		return filepath.Join(filepath.Dir(p), strings.ReplaceAll(filepath.Base(p), "."+d.Dev+".", "."+to+"."))
	}
	n.PidFile, n.LeaseFile = rename(d.PidFile), rename(d.LeaseFile)
	n.Argv = make([]string, len(d.Argv))
	for i, a := range d.Argv {
		switch {
		case i > 0 && a == d.Dev:
			a = to
		case a == d.PidFile:
			a = n.PidFile
		case a == d.LeaseFile:
			a = n.LeaseFile
		}
		n.Argv[i] = a
	}
	return n
}

// carryLeases appends from's lease file's leases to to's, each renamed to
// to's interface (`interface "br0";`) and the DUID line kept, so to's
// client REQUESTs the address from's held, as the same client.
func carryLeases(r host.Roots, from, to Dhclient) error {
	b, err := os.ReadFile(r.Under(from.LeaseFile))
	if err != nil {
		return errkind.System("dhclient: lease file of %s: %v", from.Dev, err)
	}
	text := strings.ReplaceAll(string(b), `interface "`+from.Dev+`";`, `interface "`+to.Dev+`";`)
	f, err := os.OpenFile(r.Under(to.LeaseFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return errkind.System("dhclient: lease file of %s: %v", to.Dev, err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// running returns the pid of d's client if it is alive: the process its
// pid file names, a dhclient whose arguments name that pid file.
func (d Dhclient) running(r host.Roots) (int, bool) {
	b, err := os.ReadFile(r.Under(d.PidFile))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !bytes.Contains(cmd, []byte("\x00-pf\x00"+d.PidFile+"\x00")) {
		return 0, false
	}
	st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if i := bytes.LastIndexByte(st, ')'); i > 0 && bytes.HasPrefix(st[i+1:], []byte(" Z")) {
		return 0, false
	}
	return pid, true
}

// stop ends d's client without a release, as `dhclient -x` does (SIGTERM:
// its script runs STOP; the server keeps the lease); one not running is
// stopped already.
func (d Dhclient) stop(r host.Roots) error {
	if systemdIsInit() {
		exec.Command("systemctl", "stop", d.unit()).Run() // none for ifupdown's own
	}
	pid, ok := d.running(r)
	if !ok {
		return nil
	}
	syscall.Kill(pid, syscall.SIGTERM)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, ok := d.running(r); !ok {
			return nil
		}
	}
	syscall.Kill(pid, syscall.SIGKILL)
	return nil
}

// start runs d's command line in the target's namespace where its manager
// ran it (the roots' sandbox: its /run, /var/lib/dhcp, resolv.conf and
// hostname), supervised so it outlives rewire: a transient unit
// (rewire-dhclient-DEV) where systemd is PID 1, else a session of its own
// (setsid). dhclient forks away once it holds a lease (as under ifup);
// start waits for that, bounded. A client already running is left be.
func (d Dhclient) start(tg *target.Target, r host.Roots) error {
	if _, ok := d.running(r); ok {
		return nil
	}
	if d.v6() {
		waitLinkLocal(tg, d.Dev)
	}
	argv, err := inWorld(tg, r, d.Hostname, d.Argv)
	if err != nil {
		return err
	}
	log, err := os.CreateTemp("", "rewire-dhclient-*.log")
	if err != nil {
		return err
	}
	defer os.Remove(log.Name())
	defer log.Close()
	var cmd *exec.Cmd
	if systemdIsInit() {
		run := []string{"--unit", d.unit(), "--collect", "--quiet", "--property=Type=forking",
			"--property=PIDFile=" + r.Under(d.PidFile), "--property=KillMode=process",
			"--description=dhclient of " + d.Dev + ", started by rewire", "--"}
		cmd = exec.Command("systemd-run", append(run, argv...)...)
		cmd.Stdout, cmd.Stderr = log, log
		// systemd starts it in PID 1's namespaces: argv enters the target's.
		err = cmd.Start()
	} else {
		cmd = exec.Command(argv[0], argv[1:]...)
		cmd.Stdout, cmd.Stderr = log, log
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		cmd.Dir = "/"
		err = tg.Start(cmd)
	}
	if err != nil {
		return errkind.System("dhclient on %s: %v", d.Dev, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, ok := d.running(r); ok {
			go func() { <-done }()
			return nil
		}
		select {
		case err := <-done:
			// Bound: the daemon writes its pid file just after the fork.
			for wait := time.Now().Add(3 * time.Second); err == nil && time.Now().Before(wait); time.Sleep(10 * time.Millisecond) {
				if _, ok := d.running(r); ok {
					return nil
				}
			}
			out, _ := os.ReadFile(log.Name())
			return errkind.System("dhclient on %s: %v: %s", d.Dev, err, lastLine(out))
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			out, _ := os.ReadFile(log.Name())
			return errkind.System("dhclient on %s: no lease within 30 s: %s", d.Dev, lastLine(out))
		}
	}
}

// inWorld wraps argv to run in the target's network namespace (entered
// by nsenter when systemd starts it) and the roots' sandbox (the
// managers' own prelude: `unshare -m -u`, their directories bound over
// the real paths, the client's hostname).
func inWorld(tg *target.Target, r host.Roots, hostname string, argv []string) ([]string, error) {
	dir, ok := r.Sandbox()
	if !ok {
		return nil, errkind.System("dhclient: roots %+v are no sandbox rewire knows how to enter", r)
	}
	if dir != "" {
		pid1, _ := os.Readlink("/proc/1/ns/net")
		if hostname == "" {
			hostname = "localhost"
		}
		pre := sandbox.Prelude("rewire", hostname)
		argv = append([]string{"unshare", "-m", "--propagation", "private", "-u", "--", "/bin/sh", "-c", pre, "sh", pid1, dir}, argv...)
	}
	if systemdIsInit() && tg.NetnsPath != "" {
		argv = append([]string{"nsenter", "--net=" + tg.NetnsPath, "--"}, argv...)
	}
	return argv, nil
}

func systemdIsInit() bool { return host.SystemdIsInit() }

func argAfter(argv []string, flag string) string {
	for i := 0; i+1 < len(argv); i++ {
		if argv[i] == flag {
			return argv[i+1]
		}
	}
	return ""
}

func names(argv []string, dev string) bool {
	for i, a := range argv {
		if i > 0 && a == dev {
			return true
		}
	}
	return false
}

func lastLine(b []byte) string {
	ls := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.TrimSpace(ls[len(ls)-1])
}
