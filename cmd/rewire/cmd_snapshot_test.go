package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rewire/bindings/snapshot"
	"rewire/cmd/rewire/internal/lab"
)

// `rewire snapshot -o FILE` of this machine (read-only) writes a
// snapshot the loader takes back, mode 0600.
func TestSnapshotOfThisHost(t *testing.T) {
	bin := rewireBin(t)
	f := filepath.Join(t.TempDir(), "host.json")
	out := rewire(t, bin, os.Environ(), "snapshot", "-o", f)
	t.Logf("%s", out)
	s, err := snapshot.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(f); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	if len(s.Links) == 0 || s.Links[0].Name != "lo" || len(s.Routes) == 0 {
		t.Errorf("snapshot of this host: %d links, %d routes", len(s.Links), len(s.Routes))
	}
}

// `rewire snapshot --diff a b`: one line per change, nothing for a file against itself.
func TestSnapshotDiffCLI(t *testing.T) {
	bin := rewireBin(t)
	a := filepath.Join("..", "..", "testdata", "snapshots", "enp3s0-dhcp.json")
	s, err := snapshot.Load(a)
	if err != nil {
		t.Fatal(err)
	}
	s.Links[1].MTU = 9000
	s.Domains = s.Domains[:2]
	s.Sysctls["net.ipv4.ip_forward"] = "0"
	b, _ := s.Marshal()
	bf := filepath.Join(t.TempDir(), "b.json")
	os.WriteFile(bf, b, 0o600)
	abs, _ := filepath.Abs(a)
	if out := rewire(t, bin, os.Environ(), "snapshot", "--diff", abs, abs); out != "" {
		t.Errorf("a file against itself: %q", out)
	}
	got := rewire(t, bin, os.Environ(), "snapshot", "--diff", abs, bf)
	want := "~ link enp3s0: mtu 1500 -> 9000\n~ sysctl net.ipv4.ip_forward: 1 -> 0\n- domain backup\n"
	if got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
}

// Bad snapshot files stop `rewire lab up --from` in one line, with no
// lab made or touched: the file is read before anything else. (Run
// under the lab lock with the other --lab CLI tests.)
func TestLabUpFromBadFileIsOneLine(t *testing.T) {
	bin := rewireBin(t)
	wasUp := lab.Default().IsUp()
	dir := t.TempDir()
	good, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "snapshots", "enp3s0-dhcp.json"))
	for name, body := range map[string]string{
		"unknown-version.json": strings.Replace(string(good), `"version": 1`, `"version": 7`, 1),
		"truncated.json":       string(good[:len(good)/3]),
	} {
		f := filepath.Join(dir, name)
		os.WriteFile(f, []byte(body), 0o600)
		out, err := runRewire(bin, append(os.Environ(), "REWIRE_LAB_DIR="+t.TempDir()), "lab", "up", "--from", f)
		out = strings.TrimSpace(out)
		if err == nil || strings.Contains(out, "\n") || !strings.HasPrefix(out, "rewire: lab up: snapshot "+f) {
			t.Errorf("%s: want one line, got (%v):\n%s", name, err, out)
		}
		if lab.Default().IsUp() != wasUp {
			t.Fatalf("%s: the lab went from up=%v to up=%v", name, wasUp, !wasUp)
		}
	}
}
