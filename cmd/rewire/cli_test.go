package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"rewire/cmd/rewire/internal/lab"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// rewireBin builds the real binary once for the package's tests.
func rewireBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rewire-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "rewire")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			t.Logf("%s", out)
		}
	})
	if buildErr != nil {
		t.Fatalf("build: %v", buildErr)
	}
	return binPath
}

// withLab brings the lab up for one test and down after it. The lab's
// namespaces have fixed names, so a lab already up (someone's `rewire lab
// up`) is not ours to touch: the test is skipped then.
func withLab(t *testing.T) (bin string, env []string) {
	t.Helper()
	bin = rewireBin(t)
	if lab.Default().IsUp() {
		t.Skip("a lab is already up on this machine (rewire lab down to free it)")
	}
	env = append(os.Environ(), "REWIRE_STATE_DIR="+t.TempDir())
	rewire(t, bin, env, "lab", "up")
	t.Cleanup(func() { exec.Command(bin, "lab", "down").Run() })
	return bin, env
}

func rewire(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	out, err := runRewire(bin, env, args...)
	if err != nil {
		t.Fatalf("rewire %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func runRewire(bin string, env []string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func labIP(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"-n", lab.HostNS}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %v: %v %s", args, err, out)
	}
	return string(out)
}

// The "done when": the lab recipe leaves br0 holding the host IP
// with eth0 enslaved, the LAN still reaches the host, and `rewire rollback`
// restores the exact prior state.
func TestLabMigrationAndRollbackThroughTheCLI(t *testing.T) {
	bin, env := withLab(t)
	before := labIP(t, "-d", "-j", "link") + labIP(t, "-j", "addr") + labIP(t, "-j", "route", "show", "table", "all")

	out := rewire(t, bin, env, "run", "--lab", "examples/nat-to-bridge.lua")
	// 5 host changes, and one per guest NIC on the lab's libvirt network.
	if !strings.Contains(out, "committed 7 changes") || !strings.Contains(out, "vm1 NIC 52:54:00:00:01:01: network default -> bridge br0") {
		t.Fatalf("run output: %s", out)
	}
	if l := labIP(t, "-o", "link", "show", "vnet0"); !strings.Contains(l, "master br0") {
		t.Fatalf("vm1's tap did not move to br0: %s", l)
	}
	if a := labIP(t, "-4", "-o", "addr", "show", "br0"); !strings.Contains(a, "10.0.0.111/24") {
		t.Fatalf("br0: %s", a)
	}
	if l := labIP(t, "-o", "link", "show", "eth0"); !strings.Contains(l, "master br0") {
		t.Fatalf("eth0: %s", l)
	}
	if out, err := exec.Command("ip", "netns", "exec", lab.LANNS, "busybox", "ping", "-c1", "-W2", "10.0.0.111").CombinedOutput(); err != nil {
		t.Fatalf("LAN -> 10.0.0.111: %v %s", err, out)
	}
	list := rewire(t, bin, env, "journal", "list", "--json")
	if !strings.Contains(list, `"state": "committed"`) {
		t.Fatalf("journal: %s", list)
	}
	rewire(t, bin, env, "rollback", "last")
	after := labIP(t, "-d", "-j", "link") + labIP(t, "-j", "addr") + labIP(t, "-j", "route", "show", "table", "all")
	if l := labIP(t, "-o", "link", "show", "vnet0"); !strings.Contains(l, "master virbr0") {
		t.Fatalf("vm1's tap is not back in virbr0: %s", l)
	}
	if b, a := stripVolatile(before), stripVolatile(after); a != b {
		t.Fatalf("rollback is not exact:\n%s", lineDiff(b, a))
	}
}

func TestFailingCheckRollsBackAndExitsNonZero(t *testing.T) {
	bin, env := withLab(t)
	before := labIP(t, "-j", "addr")
	out, err := runRewire(bin, env, "run", "--lab", "examples/bad-gateway.lua")
	if err == nil {
		t.Fatalf("bad-gateway.lua succeeded: %s", out)
	}
	for _, want := range []string{"check gateway 10.0.0.254 answers: returned false", "- undo 1 create bridge br0", "rolled back 5 changes"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	if b, a := stripVolatile(before), stripVolatile(labIP(t, "-j", "addr")); a != b {
		t.Fatalf("addresses differ after rollback:\n%s", lineDiff(b, a))
	}
}

func TestCLIBadInputIsOneLine(t *testing.T) {
	bin := rewireBin(t)
	env := append(os.Environ(), "REWIRE_STATE_DIR="+t.TempDir())
	for _, c := range []struct{ args []string }{
		{[]string{"run", "no-such-script.lua"}},
		{[]string{"rollback", "20990101-000000-beef"}},
		{[]string{"frobnicate"}},
	} {
		out, err := runRewire(bin, env, c.args...)
		if err == nil || strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Fatalf("rewire %v: want one line and a non-zero exit, got %v %q", c.args, err, out)
		}
	}
}

// volatile are the keys of `ip -j` output that time or the kernel decides,
// not rewire: counters, STP timers and port states of a live bridge, the
// port number a re-enslaved tap gets, IPv6 DAD still running on a guest's
// tap.
var volatile = map[string]bool{"stats64": true, "hello_timer": true, "tcn_timer": true, "topology_change_timer": true,
	"gc_timer": true, "hold_timer": true, "message_age_timer": true, "forward_delay_timer": true, "state": true,
	"id": true, "no": true, "designated_port": true, "tentative": true, "topology_change": true, "topology_change_detected": true}

// stripVolatile re-encodes each JSON document of s without volatile keys.
func stripVolatile(s string) string {
	dec := json.NewDecoder(strings.NewReader(s))
	var out []string
	for {
		var v any
		if err := dec.Decode(&v); err != nil {
			break
		}
		// One object a line, so a difference reads as a line diff.
		if l, ok := drop(v).([]any); ok {
			for _, e := range l {
				if m, ok := e.(map[string]any); ok && m["type"] == "local" && strings.HasPrefix(fmt.Sprint(m["dst"]), "fe80:") {
					continue // appears when a guest tap's IPv6 DAD ends, whenever that is
				}
				b, _ := json.Marshal(e)
				out = append(out, string(b))
			}
			continue
		}
		b, _ := json.Marshal(v)
		out = append(out, string(b))
	}
	return strings.Join(out, "\n")
}

func drop(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if volatile[k] {
				delete(x, k)
			} else {
				x[k] = drop(e)
			}
		}
	case []any:
		for i := range x {
			x[i] = drop(x[i])
		}
	}
	return v
}

// lineDiff lists the lines only one side has.
func lineDiff(before, after string) string {
	count := map[string]int{}
	for _, l := range strings.Split(before, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(after, "\n") {
		count[l]--
	}
	var out []string
	for l, n := range count {
		if n > 0 {
			out = append(out, "- "+l)
		} else if n < 0 {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

// SIGTERM (or Ctrl-C) cancels the script through the Lua state's context
// and rolls back what it changed.
func TestSIGTERMCancelsAndRollsBack(t *testing.T) {
	bin, env := withLab(t)
	cmd := exec.Command(bin, "run", "--lab", "-e", `bridge.create("br9"); while true do end`)
	cmd.Env, cmd.Dir = env, "../.."
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the bridge exists: the script is then in its loop.
	for i := 0; i < 200 && !strings.Contains(labIP(t, "-br", "link"), "br9"); i++ {
		time.Sleep(25 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err == nil {
		t.Fatalf("a cancelled run exited 0: %s", out.String())
	}
	if !strings.Contains(out.String(), "interrupted") || !strings.Contains(out.String(), "- undo 1 create bridge br9: ok") {
		t.Fatalf("output: %s", out.String())
	}
	if strings.Contains(labIP(t, "-br", "link"), "br9") {
		t.Fatal("br9 is still there after the cancelled run")
	}
}
