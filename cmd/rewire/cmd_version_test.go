package main

import (
	"encoding/json"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// --version names the version, the Go it was built with and the libvirt
// library it runs against; the package build's -ldflags set version and
// commit.
func TestVersion(t *testing.T) {
	bin := rewireBin(t)
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("rewire --version: %v %s", err, out)
	}
	line := strings.TrimSpace(string(out))
	if !strings.HasPrefix(line, "rewire dev") || !strings.Contains(line, runtime.Version()) || !strings.Contains(line, "libvirt ") {
		t.Errorf("rewire --version: %q", line)
	}
	built := t.TempDir() + "/rewire"
	if out, err := exec.Command("go", "build", "-ldflags", "-X main.version=1.2.3 -X main.commit=0123456789abcdef0123", "-o", built, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v %s", err, out)
	}
	out, err = exec.Command(built, "version", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var v buildVersion
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("version --json: %v %s", err, out)
	}
	if v.Version != "1.2.3" || v.Commit != "0123456789abcdef0123" || v.Go != runtime.Version() || v.Libvirt == "" {
		t.Errorf("version --json: %+v", v)
	}
	out, _ = exec.Command(built, "--version").Output()
	if got := strings.TrimSpace(string(out)); !strings.HasPrefix(got, "rewire 1.2.3 (commit 0123456789ab)") {
		t.Errorf("--version with -ldflags: %q", got)
	}
}

// The man page and `rewire help CMD` are made from the commands' own
// flag sets: every flag `rewire run -h` prints is in both, GNU-style.
func TestManAndHelpFromFlagSets(t *testing.T) {
	bin := rewireBin(t)
	h, _ := exec.Command(bin, "run", "-h").CombinedOutput()
	flags := parseDefaults(string(h))
	if len(flags) < 10 {
		t.Fatalf("run -h: only %d flags parsed:\n%s", len(flags), h)
	}
	man, err := exec.Command(bin, "man").Output()
	if err != nil {
		t.Fatal(err)
	}
	// groff checks the page is well-formed troff; -ww warns on everything.
	cmd := exec.Command("groff", "-ww", "-z", "-man")
	cmd.Stdin = strings.NewReader(string(man))
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("groff on rewire(1): %v %s", err, out)
	}
	render := exec.Command("man", "-l", "-")
	render.Stdin = strings.NewReader(string(man))
	render.Env = []string{"MANWIDTH=200", "PATH=/usr/bin:/bin", "MAN_KEEP_FORMATTING=0", "PAGER=cat"}
	text, err := render.Output()
	if err != nil {
		t.Fatalf("man -l: %v", err)
	}
	plain := stripOverstrike(string(text))
	help, _ := exec.Command(bin, "help", "run").Output()
	for _, f := range flags {
		want := f.Dashes()
		if !strings.Contains(plain, want) || !strings.Contains(string(help), "  "+want) {
			t.Errorf("flag %s of run -h: missing from rewire(1) or rewire help run", want)
		}
	}
	for _, name := range publicCommands() {
		if !strings.Contains(plain, "\n   "+name+"\n") {
			t.Errorf("rewire(1) has no section for %s", name)
		}
	}
	if strings.Contains(plain, "guardian") && strings.Contains(plain, "\n   guardian\n") {
		t.Errorf("rewire(1) documents the internal guardian command")
	}
	if !strings.Contains(string(help), "examples:\n  rewire run --lab examples/nat-to-bridge.lua") {
		t.Errorf("rewire help run has no examples:\n%s", help)
	}
}

// stripOverstrike removes the backspace bold and underline man may use.
func stripOverstrike(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i := 0; i < len(r); i++ {
		if i+1 < len(r) && r[i+1] == '\b' {
			i++
			continue
		}
		b.WriteRune(r[i])
	}
	return b.String()
}
