// Package managertest runs the real host network managers — NetworkManager,
// systemd-networkd, ifupdown with dhclient, netplan's generator — and a
// dnsmasq DHCP server inside a test's own namespaces, as
// /work/shared/HOST-MANAGERS.md measured it: every daemon in a network
// namespace the test made (nstest) and, for the managers, a private mount
// and UTS namespace whose /run, /etc/NetworkManager, /etc/systemd/network,
// /etc/network, /etc/netplan, /var/lib/NetworkManager and /var/lib/dhcp are
// the test's directories, with a fresh read-only sysfs (so NM and networkd
// do not wait for udev). Nothing runs in the machine's own namespace: the
// wrapper refuses to start there. Every process in the test's namespace is
// ended when the test ends, also on failure.
package managertest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"rewire/bindings/host/sandbox"
	"rewire/bindings/target"
)

// Sandbox is the private filesystem the managers of one test see. Etc, Run
// and Var are the directories that stand for /etc, /run and /var/lib
// inside it (only the managers' own subdirectories of /etc and /var/lib
// are bound; the rest of /etc stays the machine's, read by programs as
// usual).
type Sandbox struct {
	T             *target.Target
	Dir           string
	Etc, Run, Var string
	Empty         string // bound over /usr/lib/systemd/network
	t             testing.TB
	hostNS        string
}

// machineNS is the network namespace the test binary started in — the
// machine's own — read before any test made a namespace: later the main
// thread may sit in a test's (a thread left there is retired, and the
// main thread, which cannot be, is parked instead), so /proc/self lies.
var machineNS, _ = os.Readlink("/proc/thread-self/ns/net")

// etcDirs and varDirs are bound from the sandbox over the real paths.
var (
	etcDirs = []string{"NetworkManager", "systemd/network", "network", "netplan"} // network: its interfaces(.d) only
	varDirs = []string{"NetworkManager", "dhcp"}
)

// NewSandbox lays out the private directories for managers running in
// tg and ends every process in tg's namespace when the test ends.
func NewSandbox(t testing.TB, tg *target.Target) *Sandbox {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := t.TempDir()
	sb := &Sandbox{T: tg, Dir: dir, Etc: filepath.Join(dir, "etc"), Run: filepath.Join(dir, "run"),
		Var: filepath.Join(dir, "var/lib"), Empty: filepath.Join(dir, "empty"), t: t}
	mk := []string{sb.Empty, filepath.Join(sb.Run, "dbus"), filepath.Join(sb.Run, "network"),
		filepath.Join(sb.Etc, "NetworkManager/system-connections"), filepath.Join(sb.Etc, "NetworkManager/conf.d"),
		filepath.Join(sb.Etc, "network/interfaces.d")}
	for _, d := range etcDirs {
		mk = append(mk, filepath.Join(sb.Etc, d))
	}
	for _, d := range varDirs {
		mk = append(mk, filepath.Join(sb.Var, d))
	}
	for _, d := range mk {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sb.WriteFile("etc/resolv.conf", "", 0o644)
	sb.WriteFile("etc/network/interfaces", "auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n", 0o644)
	if machineNS == "" {
		t.Fatal("managertest: the machine's network namespace is unknown")
	}
	sb.hostNS = machineNS
	t.Cleanup(func() { EndAll(t, tg) })
	return sb
}

// WriteFile writes rel (relative to the sandbox, e.g.
// "etc/systemd/network/10-eth0.network") with mode, making its directory.
func (sb *Sandbox) WriteFile(rel, content string, mode os.FileMode) string {
	sb.t.Helper()
	p := filepath.Join(sb.Dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		sb.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		sb.t.Fatal(err)
	}
	return p
}

// prelude runs as `sh -c prelude sh HOSTNS DIR argv...` inside
// `unshare -m --propagation private -u`: it refuses the machine's own
// network namespace, binds the sandbox over the managers' paths, mounts a
// fresh read-only sysfs (this namespace's devices, and no udev to wait
// for), names the UTS namespace and execs argv.
var prelude = sandbox.Prelude("managertest", "rewire-managertest")

// Command is argv run inside the sandbox: the test's network namespace
// (once started with Start or Exec), a private mount and UTS namespace.
func (sb *Sandbox) Command(argv ...string) *exec.Cmd {
	args := append([]string{"-m", "--propagation", "private", "-u", "--", "/bin/sh", "-c", prelude, "sh", sb.hostNS, sb.Dir}, argv...)
	return exec.Command("unshare", args...)
}

// Exec runs argv in the sandbox to completion and returns its output; it
// fails the test on a non-zero exit.
func (sb *Sandbox) Exec(argv ...string) string {
	sb.t.Helper()
	out, err := sb.TryExec(argv...)
	if err != nil {
		sb.t.Fatalf("%v: %v\n%s", argv, err, out)
	}
	return out
}

// TryExec is Exec that returns the error instead of failing.
func (sb *Sandbox) TryExec(argv ...string) (string, error) {
	cmd := sb.Command(argv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := sb.T.Start(cmd); err != nil {
		return "", err
	}
	err := cmd.Wait()
	return out.String(), err
}

// Daemon is a long-running process a test started.
type Daemon struct {
	Name string
	Cmd  *exec.Cmd
	Log  string // its stdout and stderr
	done chan struct{}
}

// Start starts cmd in tg's namespace as a daemon (its own process group,
// output to a log file under dir) and stops it when the test ends.
func Start(t testing.TB, tg *target.Target, dir, name string, cmd *exec.Cmd) *Daemon {
	t.Helper()
	d := &Daemon{Name: name, Cmd: cmd, Log: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	f, err := os.Create(d.Log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cmd.Stdout == nil {
		cmd.Stdout = f
	}
	cmd.Stderr = f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := tg.Start(cmd); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { cmd.Wait(); close(d.done) }()
	t.Cleanup(func() { d.Stop() })
	return d
}

// Stop ends the daemon: SIGTERM, then SIGKILL after 3 s.
func (d *Daemon) Stop() {
	select {
	case <-d.done:
		return
	default:
	}
	syscall.Kill(-d.Cmd.Process.Pid, syscall.SIGTERM)
	if !d.wait(3 * time.Second) {
		syscall.Kill(-d.Cmd.Process.Pid, syscall.SIGKILL)
		d.wait(3 * time.Second)
	}
}

func (d *Daemon) wait(ns time.Duration) bool {
	select {
	case <-d.done:
		return true
	case <-time.After(ns):
		return false
	}
}

// Exited reports whether the daemon has exited.
func (d *Daemon) Exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// Tail is the end of the daemon's log, for failure messages.
func (d *Daemon) Tail() string {
	b, _ := os.ReadFile(d.Log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return fmt.Sprintf("--- %s log (%s) ---\n%s", d.Name, d.Log, b)
}
