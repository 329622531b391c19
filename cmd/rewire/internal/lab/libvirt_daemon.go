package lab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"libvirt.org/go/libvirt"
)

// qemuConf makes QEMU run as root with no per-guest cgroups, mount
// namespaces or security labels: the lab runs inside a container-like
// host where none of those are available, and libvirt refuses to start
// guests that need them.
const qemuConf = `user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
namespaces = [ ]
cgroup_controllers = [ ]
`

// libvirtdConf lets root talk to the private socket with no auth.
const libvirtdConf = `unix_sock_group = "root"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
`

// privateDirs are the directories libvirt hard-codes, each bound to a
// directory of the lab in the daemons' mount namespace.
var privateDirs = []struct{ sub, at string }{
	{"etc", "/etc/libvirt"},
	{"run", "/run/libvirt"},
	{"lib", "/var/lib/libvirt"},
	{"log", "/var/log/libvirt"},
	{"cache", "/var/cache/libvirt"},
}

// users libvirt's packaging expects (the daemon refuses to start without
// libvirt-qemu; libvirt's dnsmasq drops to libvirt-dnsmasq). They are
// added to a private copy of /etc/passwd and /etc/group, never the real ones.
var users = []string{"libvirt-qemu:x:64055:64055::/var/lib/libvirt:/usr/sbin/nologin",
	"libvirt-dnsmasq:x:64056:64056::/var/lib/libvirt/dnsmasq:/usr/sbin/nologin"}
var groups = []string{"libvirt-qemu:x:64055:", "libvirt-dnsmasq:x:64056:", "libvirt:x:64057:", "kvm:x:64058:"}

func (l *Lab) pidFile(name string) string { return filepath.Join(l.libvirtDir(), name+".pid") }

// startDaemons builds the private mount namespace (held by a sleeping
// process), binds the lab's directories over libvirt's, then starts
// virtlogd and libvirtd in it and in the lab host's network namespace.
func (l *Lab) startDaemons() error {
	for _, bin := range []string{"libvirtd", "virtlogd", "unshare", "nsenter", "qemu-system-x86_64"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%s is not installed (not found in PATH)", bin)
		}
	}
	dir := l.libvirtDir()
	for _, d := range privateDirs {
		if err := os.MkdirAll(filepath.Join(dir, d.sub), 0o700); err != nil {
			return err
		}
		if err := os.MkdirAll(d.at, 0o755); err != nil { // the mount point; empty on the host
			return err
		}
	}
	files := map[string]string{"etc/qemu.conf": qemuConf, "etc/libvirtd.conf": libvirtdConf}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			return err
		}
	}
	if err := extendFile("/etc/passwd", filepath.Join(dir, "passwd"), users); err != nil {
		return err
	}
	if err := extendFile("/etc/group", filepath.Join(dir, "group"), groups); err != nil {
		return err
	}
	holder := exec.Command("unshare", "--mount", "--propagation", "private", "sleep", "infinity")
	holder.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := holder.Start(); err != nil {
		return fmt.Errorf("mount namespace: %w", err)
	}
	go holder.Wait() // reap it when Down kills it
	pid := strconv.Itoa(holder.Process.Pid)
	if err := os.WriteFile(l.pidFile("holder"), []byte(pid), 0o600); err != nil {
		return err
	}
	if err := waitFor(func() bool { return nsDiffers(pid, "mnt") }); err != nil {
		return fmt.Errorf("mount namespace did not appear")
	}
	binds := [][2]string{{filepath.Join(dir, "passwd"), "/etc/passwd"}, {filepath.Join(dir, "group"), "/etc/group"}}
	for _, d := range privateDirs {
		binds = append(binds, [2]string{filepath.Join(dir, d.sub), d.at})
	}
	for _, b := range binds {
		if err := run("nsenter", "--target", pid, "--mount", "--", "mount", "--bind", b[0], b[1]); err != nil {
			return err
		}
	}
	inNS := []string{"--target", pid, "--mount", "--net=" + l.HostPath(), "--"}
	if err := run("nsenter", append(inNS, "virtlogd", "-d", "-p", l.pidFile("virtlogd"))...); err != nil {
		return err
	}
	if err := run("nsenter", append(inNS, "libvirtd", "-d", "-p", l.pidFile("libvirtd"))...); err != nil {
		return err
	}
	return waitFor(func() bool {
		c, err := libvirt.NewConnect(l.LibvirtURI())
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

// extendFile copies src to dst with lines appended (those not already there).
func extendFile(src, dst string, lines []string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	text := string(b)
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	for _, line := range lines {
		name, _, _ := strings.Cut(line, ":")
		if !strings.Contains("\n"+text, "\n"+name+":") {
			text += line + "\n"
		}
	}
	return os.WriteFile(dst, []byte(text), 0o644)
}

func run(prog string, args ...string) error {
	out, err := exec.Command(prog, args...).CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return fmt.Errorf("%s %s: %v: %s", prog, strings.Join(args, " "), err, msg)
	}
	return nil
}

func nsDiffers(pid, ns string) bool {
	a, err1 := os.Readlink("/proc/" + pid + "/ns/" + ns)
	b, err2 := os.Readlink("/proc/self/ns/" + ns)
	return err1 == nil && err2 == nil && a != b
}

// waitFor polls cond until it holds, for up to 60 s (the daemons'
// start-up, not a test assertion).
func waitFor(cond func() bool) error {
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return nil
		}
	}
	return fmt.Errorf("timed out")
}

// stopDaemons kills, by pid file, QEMU guests and libvirt's dnsmasq
// (libvirt keeps their pid files in its private run directory), then
// libvirtd, virtlogd and the namespace holder. Each pid is checked
// against the program it should be, so a stale file never kills a
// stranger.
func (l *Lab) stopDaemons() error {
	dir := l.libvirtDir()
	var pids []struct{ file, comm string }
	for _, sub := range []struct{ glob, comm string }{{"run/qemu/*.pid", "qemu"}, {"run/network/*.pid", "dnsmasq"}} {
		m, _ := filepath.Glob(filepath.Join(dir, sub.glob))
		for _, f := range m {
			pids = append(pids, struct{ file, comm string }{f, sub.comm})
		}
	}
	pids = append(pids, struct{ file, comm string }{l.pidFile("libvirtd"), "libvirtd"},
		struct{ file, comm string }{l.pidFile("virtlogd"), "virtlogd"},
		struct{ file, comm string }{l.pidFile("holder"), "sleep"})
	for _, p := range pids {
		killPidFile(p.file, p.comm)
	}
	return nil
}

// killPidFile sends SIGTERM, then SIGKILL after 5 s, to the process in
// file if its name starts with comm.
func killPidFile(file, comm string) {
	b, err := os.ReadFile(file)
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 || !isProc(pid, comm) {
		return
	}
	syscall.Kill(pid, syscall.SIGTERM)
	for i := 0; i < 50 && isProc(pid, comm); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if isProc(pid, comm) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// isProc reports whether pid is alive (not a zombie) and named comm*.
func isProc(pid int, comm string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || close < open || close+2 >= len(s) {
		return false
	}
	return strings.HasPrefix(s[open+1:close], comm) && s[close+2] != 'Z'
}

func (l *Lab) daemonRunning(comm string) bool {
	b, err := os.ReadFile(l.pidFile(comm))
	if err != nil {
		return false
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid > 1 && isProc(pid, comm)
}

// LibvirtdPID is the lab's libvirtd, 0 when it does not run.
func (l *Lab) LibvirtdPID() int {
	b, err := os.ReadFile(l.pidFile("libvirtd"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid > 1 && isProc(pid, "libvirtd") {
		return pid
	}
	return 0
}
