package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"rewire/bindings/target"
)

const memoryBomb = "link.set(\"eth0\", { mtu = 1400 })\nlocal t = {} while true do t[#t+1] = string.rep(\"x\", 1e6) end\n"

// rewireUsage runs the binary in tg's namespace as rewireIn does, and
// also says how much memory it took at its peak; a minute bounds it.
func rewireUsage(t *testing.T, tg *target.Target, env []string, args ...string) (out string, maxRSS int64, err error) {
	t.Helper()
	cmd := exec.Command(rewireBin(t), args...)
	cmd.Env, cmd.Dir = env, "../.."
	var b strings.Builder
	cmd.Stdout, cmd.Stderr = &b, &b
	if err := tg.Start(cmd); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	err = cmd.Wait()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss << 10 // KiB on Linux
	}
	return b.String(), maxRSS, err
}

// hasLine says whether out has line as one whole line (or, for a line
// ending in "(transaction ", one that begins so).
func hasLine(out, line string) bool {
	for _, l := range strings.Split(out, "\n") {
		if l == line || strings.HasSuffix(line, "(transaction ") && strings.HasPrefix(l, line) {
			return true
		}
	}
	return false
}

// The bomb under --memory 256MiB: rewire is not killed, ends
// promptly with the limit's line, undoes the change the script made
// first, and the host is as it was.
func TestMemoryBombRollsBackThroughTheCLI(t *testing.T) {
	host, _ := crashHost(t)
	env := []string{"PATH=" + os.Getenv("PATH"), "REWIRE_STATE_DIR=" + t.TempDir()}
	script := filepath.Join(t.TempDir(), "bomb.lua")
	check(t, os.WriteFile(script, []byte(memoryBomb), 0o644))
	before := fullState(t, host)
	start := time.Now()
	out, rss, err := rewireUsage(t, host, env, "run", "--memory", "256MiB", script)
	took := time.Since(start)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("want exit 1, got %v:\n%s", err, out)
	}
	for _, line := range []string{"+ set link eth0 mtu 1400", "script exceeded its memory limit (256 MiB)",
		"- undo 1 set link eth0 mtu 1400: ok", "rolled back 1 changes (transaction "} {
		if !hasLine(out, line) {
			t.Fatalf("output lacks the line %q:\n%s", line, out)
		}
	}
	t.Logf("bomb to exit %v, peak RSS %d MiB:\n%s", took, rss>>20, out)
	if rss > 512<<20 {
		t.Fatalf("peak RSS %d MiB under a 256 MiB limit", rss>>20)
	}
	if after := fullState(t, host); after != before {
		t.Fatalf("the host changed:\n%s", lineDiff(before, after))
	}
}

// --timeout ends an endless script; a header's lower timeout bounds the
// checks too; a header asking for more memory than granted is refused
// before anything runs; plan takes the same limits.
func TestTimeLimitAndHeaderThroughTheCLI(t *testing.T) {
	host, _ := crashHost(t)
	state := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "REWIRE_STATE_DIR=" + state}
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		check(t, os.WriteFile(p, []byte(src), 0o644))
		return p
	}
	before := fullState(t, host)
	for _, c := range []struct {
		args  []string
		lines []string
	}{
		{[]string{"run", "--timeout", "300ms", "-e", `link.set("eth0", { mtu = 1400 }) while true do end`},
			[]string{"script exceeded its time limit (300ms)", "- undo 1 set link eth0 mtu 1400: ok"}},
		{[]string{"run", "--timeout", "1m", write("checked.lua", "-- rewire: timeout=300ms\nlink.set(\"eth0\", { mtu = 1400 })\ncheck(\"spins\", function() while true do end end)\n")},
			[]string{"script exceeded its time limit (300ms)", "- undo 1 set link eth0 mtu 1400: ok"}},
		{[]string{"plan", "--memory", "64MiB", write("planned.lua", memoryBomb)},
			[]string{"script exceeded its memory limit (64 MiB)"}},
	} {
		out, _, err := rewireUsage(t, host, env, c.args...)
		if err == nil {
			t.Fatalf("rewire %v succeeded:\n%s", c.args, out)
		}
		for _, line := range c.lines {
			if !hasLine(out, line) {
				t.Fatalf("rewire %v: output lacks the line %q:\n%s", c.args, line, out)
			}
		}
	}
	if after := fullState(t, host); after != before {
		t.Fatalf("the host changed:\n%s", lineDiff(before, after))
	}

	journals := func() int { j, _ := filepath.Glob(filepath.Join(state, "journal", "*")); return len(j) }
	n := journals()
	out, _, err := rewireUsage(t, host, env, "run", write("share.lua", "-- rewire: memory=2GiB\nlink.set(\"eth0\", { mtu = 1400 })\n"))
	want := "run share.lua: the script asks for memory=2GiB, more than the memory=1GiB granted; rerun with --memory 2GiB if you trust it"
	if err == nil || strings.TrimSpace(out) != want || journals() != n {
		t.Fatalf("want the one-line refusal %q and no transaction, got %v (%d journals, was %d):\n%s", want, err, journals(), n, out)
	}
	out, _, err = rewireUsage(t, host, env, "run", "--memory", "lots", "-e", "print(1)")
	if err == nil || strings.TrimSpace(out) != `rewire: run: --memory: bad size "lots" (e.g. 256MiB, 1GiB, none)` {
		t.Fatalf("a bad --memory: %v\n%s", err, out)
	}
}

// The same bomb in the lab, as an admin would meet it.
func TestMemoryBombInTheLab(t *testing.T) {
	bin, env := withLab(t)
	script := filepath.Join(t.TempDir(), "bomb.lua")
	check(t, os.WriteFile(script, []byte(memoryBomb), 0o644))
	before := labIP(t, "-d", "-j", "link") + labIP(t, "-j", "addr") + labIP(t, "-j", "route", "show", "table", "all")
	out, err := runRewire(bin, env, "run", "--lab", "--memory", "256MiB", script)
	if err == nil || !hasLine(out, "script exceeded its memory limit (256 MiB)") || !hasLine(out, "- undo 1 set link eth0 mtu 1400: ok") {
		t.Fatalf("want the limit's line and the undo, got %v:\n%s", err, out)
	}
	after := labIP(t, "-d", "-j", "link") + labIP(t, "-j", "addr") + labIP(t, "-j", "route", "show", "table", "all")
	if b, a := stripVolatile(before), stripVolatile(after); a != b {
		t.Fatalf("the lab host changed:\n%s", lineDiff(b, a))
	}
}
