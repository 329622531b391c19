package dnsmasq

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"rewire/bindings/target"
)

// start runs dnsmasq in the target's namespace and returns once it has
// daemonised: dnsmasq reports a bad option or a missing interface through
// its exit status before it forks away. Its output goes to a file, not a
// pipe, and it runs in its own session, so it outlives rewire.
func (in instance) start(tg *target.Target, args []string) error {
	path, err := exec.LookPath("dnsmasq")
	if err != nil {
		return errors.New("dnsmasq is not installed (not found in PATH)")
	}
	out, err := os.OpenFile(in.logFile()+".start", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := tg.Start(cmd); err != nil {
		return fmt.Errorf("dnsmasq: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		msg, _ := os.ReadFile(out.Name())
		if m := strings.TrimSpace(string(msg)); m != "" {
			return fmt.Errorf("%s", strings.SplitN(m, "\n", 2)[0])
		}
		return fmt.Errorf("dnsmasq: %w", err)
	}
	os.Remove(out.Name())
	if _, ok := in.running(); !ok {
		return errors.New("dnsmasq: started but wrote no pid file")
	}
	return nil
}

// running returns the pid of this instance's dnsmasq if it is alive. The
// process must be a dnsmasq naming this instance's pid file, so a reused
// pid is never mistaken for it.
func (in instance) running() (int, bool) {
	b, err := os.ReadFile(in.pidFile())
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return 0, false
	}
	if !bytes.Contains(cmdline, []byte("--pid-file="+in.pidFile()+"\x00")) {
		return 0, false
	}
	if st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		// A zombie has exited; only its parent has not reaped it yet.
		if i := bytes.LastIndexByte(st, ')'); i > 0 && bytes.HasPrefix(st[i+1:], []byte(" Z")) {
			return 0, false
		}
	}
	return pid, true
}

// stop ends this instance's dnsmasq (SIGTERM, then SIGKILL); one that is
// already gone is fine.
func (in instance) stop() error {
	pid, ok := in.running()
	if !ok {
		return nil
	}
	syscall.Kill(pid, syscall.SIGTERM)
	for i := 0; i < 100; i++ {
		if _, ok := in.running(); !ok {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	for i := 0; i < 100; i++ {
		if _, ok := in.running(); !ok {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("dnsmasq pid %d does not stop", pid)
}

// reload makes a running dnsmasq re-read its hosts file (SIGHUP).
func (in instance) reload() error {
	if pid, ok := in.running(); ok {
		return syscall.Kill(pid, syscall.SIGHUP)
	}
	return nil
}
