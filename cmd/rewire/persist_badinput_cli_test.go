package main

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"rewire/cmd/rewire/internal/lab"
)

// withManagedLab is withLab with `lab up --manager M`.
func withManagedLab(t *testing.T, manager string) (bin string, env []string) {
	t.Helper()
	bin = rewireBin(t)
	if lab.Default().IsUp() {
		t.Skip("a lab is already up on this machine (rewire lab down to free it)")
	}
	env = append(os.Environ(), "REWIRE_STATE_DIR="+t.TempDir())
	t.Cleanup(func() { exec.Command(bin, "lab", "down").Run() })
	rewire(t, bin, env, "lab", "up", "--manager", manager)
	return bin, env
}

// labHostTree is every file, link and directory under the lab host's
// manager roots (LAB/host/etc), with each file's mode and sha256.
func labHostTree(t *testing.T) map[string]string {
	t.Helper()
	dir := filepath.Join(lab.Default().Dir, "host", "etc")
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // none yet (flavour none): an empty tree
		}
		info, _ := d.Info()
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			to, _ := os.Readlink(p)
			m[p] = "-> " + to
		case d.IsDir():
			m[p] = "dir"
		default:
			b, _ := os.ReadFile(p)
			m[p] = fmt.Sprintf("%v %x", info.Mode().Perm(), sha256.Sum256(b))
		}
		return nil
	})
	return m
}

func sameHostTree(t *testing.T, before, after map[string]string) {
	t.Helper()
	for p, v := range before {
		if after[p] != v {
			t.Errorf("%s: %q, was %q", p, after[p], v)
		}
	}
	for p, v := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s written (%s)", p, v)
		}
	}
}

// persistLine is the run's line starting with "persist: " that says
// why nothing was written.
func persistLine(t *testing.T, out string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if i := strings.Index(l, "persist: "); i >= 0 && strings.Contains(l, "nothing written") {
			return l[i:]
		}
	}
	t.Fatalf("no persist refusal in:\n%s", out)
	return ""
}

// `rewire run --lab --persist` on the lab host with no manager: one line
// naming eth0 and what was found, nothing written under the lab host's
// etc, the script's change rolled back.
func TestRunPersistNoManagerCLI(t *testing.T) {
	bin, env := withManagedLab(t, "none")
	before := labHostTree(t)
	link := labIP(t, "-d", "-j", "link", "show", "eth0")
	out, err := runRewire(bin, env, "run", "--lab", "--persist", "-e", `link.set("eth0", {mtu = 1400})`)
	t.Logf("run --persist:\n%s", out)
	if err == nil {
		t.Fatal("run --persist succeeded")
	}
	line := persistLine(t, out)
	for _, want := range []string{"persist: eth0: no network manager owns it (found: manager none", "nothing written"} {
		if !strings.Contains(line, want) {
			t.Errorf("%q does not say %q", line, want)
		}
	}
	if !strings.Contains(out, "- undo 1 set link eth0 mtu 1400: ok") {
		t.Errorf("the mtu change was not rolled back:\n%s", out)
	}
	if now := labIP(t, "-d", "-j", "link", "show", "eth0"); now != link {
		t.Errorf("eth0 changed:\n%s\nwas:\n%s", now, link)
	}
	sameHostTree(t, before, labHostTree(t))
}

// `rewire run --lab --persist` whose generated keyfile NetworkManager's
// validator rejects (a bridge called bonding_masters, which the kernel
// takes and NetworkManager does not): nmcli's own message in one line,
// nothing written, everything rolled back — eth0 has its address and
// NetworkManager again.
func TestRunPersistValidatorRejectsCLI(t *testing.T) {
	bin, env := withManagedLab(t, "networkmanager")
	before := labHostTree(t)
	const recipe = `
bridge.create("bonding_masters", { stp = false, forward_delay = 0 })
bridge.add_port("bonding_masters", "eth0")
addr.move("eth0", "bonding_masters", { mac = true })
`
	out, err := runRewire(bin, env, "run", "--lab", "--persist", "-e", recipe)
	t.Logf("run --persist:\n%s", out)
	if err == nil {
		t.Fatal("run --persist succeeded")
	}
	line := persistLine(t, out)
	for _, want := range []string{"nmcli --offline rejects", "bonding_masters.nmconnection", "'bonding_masters' is not allowed as interface name"} {
		if !strings.Contains(line, want) {
			t.Errorf("%q does not say %q", line, want)
		}
	}
	sameHostTree(t, before, labHostTree(t))
	if a := labIP(t, "-4", "-o", "addr", "show", "eth0"); !strings.Contains(a, lab.HostIP) {
		t.Errorf("eth0 lost %s: %s", lab.HostIP, a)
	}
	if l := labIP(t, "-o", "link"); strings.Contains(l, "bonding_masters") {
		t.Errorf("the bridge is left:\n%s", l)
	}
	st := rewire(t, bin, env, "status", "--lab", "eth0")
	if !strings.Contains(st, "NetworkManager") || strings.Contains(st, "unmanaged") {
		t.Errorf("eth0 is not NetworkManager's again:\n%s", st)
	}
}
