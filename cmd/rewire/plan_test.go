package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// errorLine picks the one line naming what went wrong (the engine's
// "WHERE: OP OBJECT: MESSAGE") out of a command's output.
func errorLine(out, where string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, where) {
			return l
		}
	}
	return ""
}

// Bad input stops `rewire plan` with the very line `rewire run` stops
// with, and the plan leaves the host exactly as it was; `run --dry-run`
// prints the same plan as `rewire plan`.
func TestPlanBadInputAndDryRun(t *testing.T) {
	host, _ := crashHost(t)
	dir := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "REWIRE_STATE_DIR=" + dir}
	bad := filepath.Join(t.TempDir(), "bad.lua")
	check(t, os.WriteFile(bad, []byte("bridge.create('br0'\n"), 0o644))
	before := fullState(t, host)
	for _, c := range []struct {
		name, where string
		args        []string
	}{
		{"syntax error", "bad.lua", []string{bad}},
		{"unknown interface", "(command line)", []string{"-e", `bridge.create("br0", { stp = false }); bridge.add_port("br0", "eth9")`}},
	} {
		planOut, _, perr := rewireIn(t, host, env, append([]string{"plan"}, c.args...)...)
		if after := fullState(t, host); after != before {
			t.Fatalf("%s: plan changed the host:\nbefore:\n%s\nafter:\n%s", c.name, before, after)
		}
		runOut, _, rerr := rewireIn(t, host, env, append([]string{"run"}, c.args...)...)
		if perr == nil || rerr == nil {
			t.Fatalf("%s: plan (%v) and run (%v) must both fail:\n%s\n%s", c.name, perr, rerr, planOut, runOut)
		}
		pl, rl := errorLine(planOut, c.where), errorLine(runOut, c.where)
		if pl == "" || pl != rl {
			t.Fatalf("%s: error lines differ:\nplan: %q\nrun:  %q\n%s\n%s", c.name, pl, rl, planOut, runOut)
		}
		if after := fullState(t, host); after != before {
			t.Fatalf("%s: the failed run left the host changed", c.name)
		}
	}

	args := []string{"examples/bad-gateway.lua"}
	planOut, _, err := rewireIn(t, host, env, append([]string{"plan"}, args...)...)
	check(t, err)
	dryOut, _, err := rewireIn(t, host, env, append([]string{"run", "--dry-run"}, args...)...)
	check(t, err)
	if planOut != dryOut || !strings.Contains(planOut, "  1  create bridge br0") || !strings.Contains(planOut, "checks: gateway 10.0.0.254 answers") {
		t.Fatalf("plan:\n%s\nrun --dry-run:\n%s", planOut, dryOut)
	}
	if after := fullState(t, host); after != before {
		t.Fatalf("plan changed the host:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if entries, _ := filepath.Glob(filepath.Join(dir, "journal", "*.jsonl")); len(entries) != 1 {
		// Only the run that made a change (then failed) journaled; plans write nothing there.
		t.Fatalf("journal holds %d transactions, want the one failed run's", len(entries))
	}
}
