package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// S2 step 3 through the binary, on a private host: a shared script that
// writes files is refused without --allow (one line, nothing written, no
// transaction), writes ifcfg-br0 and ifcfg-eth0 with it, and `rollback
// last` removes them again.
func TestPersistIfcfgNeedsAllowAndRollsBack(t *testing.T) {
	host, _ := crashHost(t)
	state := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "REWIRE_STATE_DIR=" + state}
	must := func(args ...string) string {
		t.Helper()
		out, _, err := rewireIn(t, host, env, args...)
		if err != nil {
			t.Fatalf("rewire %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	setup := must("run", "-e", `bridge.create("br0", { stp = false, forward_delay = 0 })
		bridge.add_port("br0", "eth0")
		addr.move("eth0", "br0", { mac = true })`)
	journals := func() int { j, _ := filepath.Glob(filepath.Join(state, "journal", "*")); return len(j) }
	before := journals()
	dir := filepath.Join(t.TempDir(), "network-scripts")

	out, _, err := rewireIn(t, host, env, "run", "examples/persist-ifcfg.lua", dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err == nil || len(lines) != 1 || !strings.Contains(out, "asks for files") || !strings.Contains(out, "--allow files") {
		t.Fatalf("want a one-line refusal and a non-zero exit, got %v:\n%s", err, out)
	}
	t.Logf("refusal: %s", lines[0])
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) || journals() != before {
		t.Fatalf("the refused script changed something: %v, %d journals (was %d)", err, journals(), before)
	}

	out = must("run", "--allow", "files", "examples/persist-ifcfg.lua", dir)
	if !strings.Contains(out, "committed 2 changes") {
		t.Fatalf("run: %s", out)
	}
	br0, _ := os.ReadFile(filepath.Join(dir, "ifcfg-br0"))
	eth0, _ := os.ReadFile(filepath.Join(dir, "ifcfg-eth0"))
	if !strings.Contains(string(br0), "TYPE=Bridge\n") || !strings.Contains(string(br0), "IPADDR=10.0.0.111\nPREFIX=24\nGATEWAY=10.0.0.1\n") {
		t.Fatalf("ifcfg-br0:\n%s", br0)
	}
	if !strings.Contains(string(eth0), "BRIDGE=br0\n") || strings.Contains(string(eth0), "IPADDR") {
		t.Fatalf("ifcfg-eth0:\n%s", eth0)
	}

	must("rollback", "last")
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("rollback left %s: %v", dir, err)
	}
	// Undo the bridge too, so the namespace goes as it came.
	id := regexp.MustCompile(`as transaction (\S+)`).FindStringSubmatch(setup)
	if id == nil {
		t.Fatalf("no transaction id in %q", setup)
	}
	must("rollback", id[1])
}

// The same in the lab, as the README shows it.
func TestPersistIfcfgInTheLab(t *testing.T) {
	bin, env := withLab(t)
	dir := filepath.Join(t.TempDir(), "x")
	out := rewire(t, bin, env, "run", "--lab", "--allow", "files", "examples/persist-ifcfg.lua", dir)
	eth0, err := os.ReadFile(filepath.Join(dir, "ifcfg-eth0"))
	if err != nil || !strings.Contains(string(eth0), "IPADDR=10.0.0.111\nPREFIX=24\nGATEWAY=10.0.0.1\n") {
		t.Fatalf("ifcfg-eth0 (%v):\n%s\nrun:\n%s", err, eth0, out)
	}
	rewire(t, bin, env, "rollback", "last")
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("rollback left %s: %v", dir, err)
	}
}

// A chunk the user types runs with exactly what --allow grants.
func TestExecNeedsAllowOnTheCommandLine(t *testing.T) {
	host, _ := crashHost(t)
	env := []string{"PATH=" + os.Getenv("PATH"), "REWIRE_STATE_DIR=" + t.TempDir()}
	chunk := `print(exec.run({"ip", "-br", "link", "show", "eth0"}).stdout)`
	out, _, err := rewireIn(t, host, env, "run", "-e", chunk)
	if err == nil || !strings.Contains(out, "exec.run: needs capability exec") {
		t.Fatalf("want denied, got %v:\n%s", err, out)
	}
	out, _, err = rewireIn(t, host, env, "run", "--allow", "exec", "-e", chunk)
	if err != nil || !strings.HasPrefix(out, "eth0@") {
		t.Fatalf("with --allow exec: %v\n%s", err, out)
	}
	out, _, err = rewireIn(t, host, env, "run", "--allow", "exce", "-e", chunk)
	if err == nil || strings.Count(strings.TrimSpace(out), "\n") != 0 || !strings.Contains(out, `unknown capability "exce"`) {
		t.Fatalf("a typo in --allow: %v\n%s", err, out)
	}
}
