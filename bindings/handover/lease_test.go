package handover_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rewire/bindings/host"
	"rewire/bindings/host/managertest"
)

// renewals is how many renewals of br0's lease the DHCP cases wait past;
// renewWait bounds the wait for each: T1 of dnsmasq's 2-minute lease is a
// minute after the last ACK.
const renewals = 2

var renewWait = 90 * time.Second

// For each manager, static and DHCP uplink: examples/nat-to-bridge.lua
// through the hand-over; then past two lease renewals on br0 (DHCP) or a
// few seconds (static) nobody has undone anything; rollback gives eth0
// back to its manager with its profile and address (a new lease). Each
// case runs in namespaces of its own, all in parallel: the waits cost
// wall time, not CPU. -short skips the renewals.
func TestHandoverKeepsUplink(t *testing.T) {
	t.Parallel() // beside the other long waits of the package
	for _, u := range uplinks {
		for _, dhcp := range []bool{false, true} {
			u, dhcp := u, dhcp
			kind := "static"
			if dhcp {
				kind = "dhcp"
			}
			t.Run(u.name+"/"+kind, func(t *testing.T) {
				t.Parallel()
				handOver(t, u, dhcp)
			})
		}
	}
}

func handOver(t *testing.T, u uplink, dhcp bool) {
	l := newLab(t)
	logs := append(u.start(t, l, dhcp), l.dhcp.Daemon)
	before := l.device(t, "eth0", 20*time.Second, u.owned(dhcp), logs...)
	// The manager adds the gateway a moment after the address.
	l.defaultRoute(t, "eth0", 10*time.Second, logs...)
	ifstate := l.ifstate()
	var orig host.Address
	if dhcp {
		orig, _ = lease(before)
	} else {
		orig, _ = hasCIDR(before, staticCIDR)
	}
	client := l.dhclientArgv("eth0")

	res, out := l.runFile(t, "../../examples/nat-to-bridge.lua")
	if res.Err != nil {
		l.dumpLogs(t, logs)
		t.Fatalf("run: %v\n%s", res.Err, out)
	}
	t.Logf("changes:\n%s", out)
	wants := []string{"+ hand eth0 over from " + u.manager}
	if dhcp {
		wants = append(wants, "+ move eth0's DHCP client to br0 ("+u.manager)
	}
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("no change %q", want)
		}
	}
	br := l.device(t, "br0", 5*time.Second, l.onBridge(t, u, dhcp, before, orig), logs...)
	var seen []int
	renewed := 0
	if dhcp {
		a, _ := hasCIDR(br, orig.CIDR)
		seen = []int{a.ValidLft}
		if !testing.Short() {
			for renewed < renewals {
				seen = l.waitRenewal(t, u.manager, orig.CIDR, seen, logs...)
				renewed++
				l.device(t, "br0", time.Second, l.onBridge(t, u, dhcp, before, orig), logs...)
			}
			t.Logf("br0's lease %s renewed %d times by %s's client; valid_lft seen: %v", orig.CIDR, renewed, u.manager, compact(seen))
		}
		// One client identity: the server holds one lease for the MAC.
		if b, _ := os.ReadFile(l.dhcp.Leases); strings.Count(string(b), " 52:54:00:aa:bb:cc ") != 1 {
			t.Errorf("dnsmasq's leases:\n%s", b)
		}
	} else {
		time.Sleep(5 * time.Second) // a manager that fights does so within a second
		l.device(t, "br0", time.Second, l.onBridge(t, u, dhcp, before, orig), logs...)
	}

	acks := l.acks()
	took := l.rollback(t, res.TxID)
	start := time.Now()
	back := l.device(t, "eth0", 30*time.Second, func(d host.Device) string {
		if why := u.owned(dhcp)(d); why != "" {
			return why
		}
		if d.Profile != before.Profile {
			return "profile " + d.Profile
		}
		return ""
	}, logs...)
	if dhcp {
		managertest.Eventually(t, 30*time.Second, func() error {
			if l.acks() <= acks {
				return os.ErrDeadlineExceeded // the manager has not asked the server yet
			}
			return nil
		}, logs...)
	}
	reown := time.Since(start)
	a, _ := hasCIDR(back, orig.CIDR)
	t.Logf("rollback %v, then %s owned eth0 again with %s (%s, valid_lft %d, profile %s) %v later", took.Round(time.Millisecond), u.manager, a.CIDR, a.Origin, a.ValidLft, back.Profile, reown.Round(time.Millisecond))
	if a.CIDR != orig.CIDR {
		t.Errorf("eth0 after rollback: %+v; before: %+v", back, before)
	}
	if _, err := l.Host.LinkByName("br0"); err == nil {
		t.Error("br0 outlived the rollback")
	}
	if got := l.ifstate(); got != ifstate {
		t.Errorf("ifupdown's state after rollback %q, want %q", got, ifstate)
	}
	if got := l.dhclientArgv("eth0"); got != client {
		t.Errorf("eth0's dhclient after rollback: %q, want %q", got, client)
	}
	if b, _ := os.ReadFile(l.dhcp.Daemon.Log); strings.Contains(string(b), "DHCPRELEASE") {
		t.Error("a client released its lease")
	}
	kind := "static"
	if dhcp {
		kind = "dhcp"
	}
	t.Logf("FIGURES %s %s renewals=%d valid_lft=%v rollback=%v reown=%v", u.name, kind, renewed, compact(seen), took.Round(time.Millisecond), reown.Round(time.Millisecond))
}

// onBridge accepts br0 holding eth0's address (a lease from the moved
// client, or the static address) with eth0 its port and no address of
// its own, the default route through br0, the LAN reaching it and no
// device failed; eth0 is never back with its manager's own profile.
func (l *lab) onBridge(t *testing.T, u uplink, dhcp bool, before host.Device, orig host.Address) func(host.Device) string {
	return func(br host.Device) string {
		a, ok := hasCIDR(br, orig.CIDR)
		switch {
		case !ok:
			return "no " + orig.CIDR
		case dhcp && (a.Origin != host.OriginDHCP || !leaseOf(a, u.manager)):
			return fmt.Sprintf("%s is no lease from %s: %+v", a.CIDR, u.manager, a)
		case !dhcp && a.Origin != host.OriginStatic:
			return a.CIDR + " is not static"
		case strings.Contains(br.State, "failed"):
			return "br0 " + br.State
		}
		if m := l.master(t, "eth0"); m != "br0" {
			return "eth0's master is " + m
		}
		eth0, err := host.DeviceOf(l.Host, l.roots(), "eth0")
		if err != nil {
			return err.Error()
		}
		if len(global(eth0)) != 0 || eth0.Profile == before.Profile || strings.Contains(eth0.State, "failed") {
			return fmt.Sprintf("eth0 %+v", eth0)
		}
		if out, err := l.Host.Run(nil, "ip", "route", "show", "default"); err != nil || !strings.Contains(string(out), "dev br0") {
			return "default route " + strings.TrimSpace(string(out))
		}
		if !l.lanReaches(ip(orig.CIDR)) {
			return "the LAN cannot reach " + orig.CIDR
		}
		return ""
	}
}

// waitRenewal waits (bounded) until br0's lease lifetime is reset by a
// renewal from its new client, appending the lifetimes seen.
func (l *lab) waitRenewal(t *testing.T, manager, cidr string, seen []int, logs ...*managertest.Daemon) []int {
	t.Helper()
	return l.waitRenewalFrom(t, manager, cidr, seen, l.acks, logs...)
}

// waitRenewalFrom is waitRenewal with the server's replies counted by
// replies (DHCPACKs, DHCPv6 REPLYs).
func (l *lab) waitRenewalFrom(t *testing.T, manager, cidr string, seen []int, replies func() int, logs ...*managertest.Daemon) []int {
	t.Helper()
	start, acks := time.Now(), replies()
	managertest.Eventually(t, renewWait, func() error {
		time.Sleep(time.Second)
		d, err := host.DeviceOf(l.Host, l.roots(), "br0")
		if err != nil {
			return err
		}
		a, ok := hasCIDR(d, cidr)
		if !ok || a.Origin != host.OriginDHCP && a.Origin != host.OriginDHCPv6 {
			t.Fatalf("br0 lost its lease %s: %+v", cidr, d)
		}
		last := seen[len(seen)-1]
		seen = append(seen, a.ValidLft)
		if a.ValidLft <= last+5 {
			return os.ErrDeadlineExceeded
		}
		if replies() <= acks {
			t.Fatalf("br0's lifetime of %s rose to %d with no reply from the server", cidr, a.ValidLft)
		}
		return nil
	}, logs...)
	t.Logf("br0's lease %s renewed by %s's client %v later (valid_lft %d)", cidr, manager, time.Since(start).Round(time.Second), seen[len(seen)-1])
	return seen
}

// ifstate is ifupdown's state file.
func (l *lab) ifstate() string {
	b, _ := os.ReadFile(filepath.Join(l.sb.Run, "network/ifstate"))
	return string(b)
}

// dhclientArgv is the command line of the dhclient ifupdown runs for dev
// (by its pid file), "" for none.
func (l *lab) dhclientArgv(dev string) string { return l.pidArgv("dhclient." + dev + ".pid") }

// pidArgv is the command line of the process a pid file under /run
// names, "" for none.
func (l *lab) pidArgv(pidFile string) string {
	b, err := os.ReadFile(filepath.Join(l.sb.Run, pidFile))
	if err != nil {
		return ""
	}
	cmd, _ := os.ReadFile("/proc/" + strings.TrimSpace(string(b)) + "/cmdline")
	return strings.ReplaceAll(strings.TrimRight(string(cmd), "\x00"), "\x00", " ")
}

// acks counts the DHCPACKs the LAN's server sent.
func (l *lab) acks() int {
	b, _ := os.ReadFile(l.dhcp.Daemon.Log)
	return strings.Count(string(b), "DHCPACK(")
}

// dumpLogs logs the daemons' lines about br0 and DHCP.
func (l *lab) dumpLogs(t *testing.T, logs []*managertest.Daemon) {
	for _, d := range logs {
		b, _ := os.ReadFile(d.Log)
		var keep []string
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "br0") && !strings.Contains(line, "<trace>") || strings.Contains(line, "DHCP") {
				keep = append(keep, line)
			}
		}
		if len(keep) > 80 {
			keep = keep[len(keep)-80:]
		}
		t.Logf("%s:\n%s", d.Name, strings.Join(keep, "\n"))
	}
}

// compact keeps the first and last lifetimes and those around a rise.
func compact(v []int) []int {
	var out []int
	for i, x := range v {
		if i == 0 || i == len(v)-1 || x > v[i-1] || (i+1 < len(v) && v[i+1] > x) {
			out = append(out, x)
		}
	}
	return out
}

// global is d's addresses but link-local ones.
func global(d host.Device) []host.Address {
	var out []host.Address
	for _, a := range d.Addresses {
		if a.Origin != host.OriginLink {
			out = append(out, a)
		}
	}
	return out
}
