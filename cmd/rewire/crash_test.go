package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

// crashHost is a private copy of the lab (SCENARIOS.md S2 addresses) in
// namespaces of the test's own, so it never meets `rewire lab up`'s fixed
// names: the host namespace (eth0 52:54:00:aa:bb:cc, 10.0.0.111/24,
// default via 10.0.0.1) joined by a veth to a port of the LAN's bridge,
// which holds the gateway — nstest's host+LAN fixture. rewire runs inside
// the host namespace, as on a real host.
func crashHost(t *testing.T) (host, lan *target.Target) {
	t.Helper()
	spec := nstest.LabSpec()
	// No IPv6 duplicate address detection: its timer changes address
	// flags under a state comparison.
	spec.Setup = func(tg *target.Target) error {
		return tg.Do(func() error {
			return os.WriteFile("/proc/sys/net/ipv6/conf/default/accept_dad", []byte("0"), 0o644)
		})
	}
	h := nstest.NewHostLAN(t, spec)
	return h.Host, h.LAN
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// rewireIn runs the binary inside tg's namespace; killed reports a SIGKILL.
func rewireIn(t *testing.T, tg *target.Target, env []string, args ...string) (out string, killed bool, err error) {
	t.Helper()
	cmd := exec.Command(rewireBin(t), args...)
	cmd.Env = env
	cmd.Dir = "../.."
	var b strings.Builder
	cmd.Stdout, cmd.Stderr = &b, &b
	if err := tg.Start(cmd); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return b.String(), true, err
		}
	}
	return b.String(), false, err
}

// Normalised away, because the kernel sets them and no undo can: the
// ifindex of a link created again, link counters (not dumped without -s),
// operstate and carrier flags whose timing follows carrier events, and
// iptables-save's "# Generated ... on DATE" lines.
var (
	ifindexRe = regexp.MustCompile(`"(ifindex|link_index)":\d+,`)
	operRe    = regexp.MustCompile(`"operstate":"[A-Z]+",|"NO-CARRIER",|,"LOWER_UP"|"LOWER_UP",?`)
)

// fullState is everything a recipe may touch: `ip -d -j link`, `ip -j
// addr`, `ip -j route show table all`, the forwarding sysctls, and
// `iptables-save`.
func fullState(t *testing.T, tg *target.Target) string {
	t.Helper()
	var b strings.Builder
	for _, args := range [][]string{{"-d", "-j", "link"}, {"-j", "addr"}, {"-j", "route", "show", "table", "all"}} {
		out, err := tg.Run(nil, "ip", args...)
		check(t, err)
		b.WriteString(operRe.ReplaceAllString(ifindexRe.ReplaceAllString(string(out), ""), "") + "\n")
	}
	check(t, tg.Do(func() error {
		for _, f := range []string{"net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding", "net/ipv4/conf/all/rp_filter"} {
			v, err := os.ReadFile(filepath.Join("/proc/sys", f))
			if err != nil {
				return err
			}
			b.WriteString(f + "=" + string(v))
		}
		return nil
	}))
	if out, err := tg.Run(nil, "iptables-save"); err == nil {
		for _, l := range strings.Split(string(out), "\n") {
			if !strings.HasPrefix(l, "#") {
				b.WriteString(l + "\n")
			}
		}
	} else if !strings.Contains(err.Error(), "not installed") {
		t.Fatal(err)
	}
	return b.String()
}

// kernelRecipes are the examples that need only the kernel (no libvirt
// daemon, no dnsmasq): they run in the private host.
func kernelRecipes(t *testing.T) []string {
	all, err := filepath.Glob("../../examples/*.lua")
	check(t, err)
	var out []string
	for _, f := range all {
		src, err := os.ReadFile(f)
		check(t, err)
		// The others, and those that ask for permissions, are in
		// TestCrashAtEveryRecordInTheLab.
		if !regexp.MustCompile(`\b(domain|network|dhcp|nat|firewall)\.|-- rewire: allow=`).Match(src) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatal("no kernel-only example recipe found")
	}
	return out
}

func journals(dir string) string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(dir, "journal", "*"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		b.WriteString(f + ":\n" + string(data))
	}
	return b.String()
}

// committed returns the committed transaction in dir, if any (each
// earlier one was rolled back, so there is at most one).
func committed(t *testing.T, dir string) string {
	st, err := tx.OpenStore(dir)
	check(t, err)
	all, err := st.List()
	check(t, err)
	for _, s := range all {
		if s.State == tx.StateCommitted {
			return s.ID
		}
	}
	return ""
}

// TestCrashAtEveryRecord kills `rewire run` and its guardian with SIGKILL
// right after the run's k-th journal record (the machine lost power, as
// far as rewire can tell), for every k and every example recipe, then
// runs `rewire recover` and requires the host's full state to equal the state
// before the run.
func TestCrashAtEveryRecord(t *testing.T) {
	for _, recipe := range kernelRecipes(t) {
		rel, _ := filepath.Rel("../..", recipe)
		t.Run(filepath.Base(recipe), func(t *testing.T) {
			host, _ := crashHost(t)
			dir := t.TempDir()
			base := []string{"PATH=" + os.Getenv("PATH"), "REWIRE_STATE_DIR=" + dir}
			before := fullState(t, host)
			for k := 1; ; k++ {
				env := append(base, "REWIRE_CRASH_AFTER="+strconv.Itoa(k), "REWIRE_CRASH_GUARDIAN=1")
				out, killed, err := rewireIn(t, host, env, "run", rel)
				if !killed {
					// k is past the last record: the run finished by itself.
					if k == 1 {
						// A recipe that ends before its first record made
						// no change. That is fine only for a reason the
						// host explains — its defaults name links this
						// host lacks (ens32...), or this kernel lacks
						// bonding — and a failure otherwise.
						if err != nil && (strings.Contains(out, "no such interface") || strings.Contains(out, "no bonding support")) {
							t.Skipf("%s does not run on this layout (it made no change): %s", rel, strings.TrimSpace(out))
						}
						t.Fatalf("%s ended before its first journal record: %v\n%s", rel, err, out)
					}
					if id := committed(t, dir); id != "" { // undo it to leave the host as found
						if out, _, err := rewireIn(t, host, base, "rollback", id); err != nil {
							t.Fatalf("rollback: %v\n%s", err, out)
						}
					}
					t.Logf("%s: killed at each of %d journal records, recovered every time", rel, k-1)
					break
				}
				if out, _, err := rewireIn(t, host, base, "recover"); err != nil {
					t.Fatalf("k=%d: recover: %v\n%s", k, err, out)
				}
				if id := committed(t, dir); id != "" {
					// Killed after its commit record: the change is kept, as
					// it should be; undo it to compare with the start.
					if out, _, err := rewireIn(t, host, base, "rollback", id); err != nil {
						t.Fatalf("k=%d: rollback of the committed run: %v\n%s", k, err, out)
					}
				}
				if after := fullState(t, host); after != before {
					t.Fatalf("k=%d: state after recover differs:\nbefore:\n%s\nafter:\n%s\njournal:\n%s", k, before, after, journals(dir))
				}
			}
			if after := fullState(t, host); after != before {
				t.Fatalf("state after the full run and rollback differs:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}
