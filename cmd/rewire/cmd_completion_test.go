package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"rewire/bindings/target/nstest"
)

// completeBash runs the real bash completion for the words typed so far
// (the last one being completed) and returns what bash would offer.
func completeBash(t *testing.T, bin string, env []string, words ...string) []string {
	t.Helper()
	script, err := exec.Command(bin, "completion", "bash").Output()
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "rewire.bash")
	check(t, os.WriteFile(f, script, 0o644))
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = "'" + w + "'"
	}
	sh := `source "$1"; COMP_WORDS=(` + strings.Join(quoted, " ") + `); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _rewire; printf '%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command("bash", "-c", sh, "bash", f)
	cmd.Env = append([]string{"PATH=" + filepath.Dir(bin) + ":/usr/sbin:/usr/bin:/sbin:/bin"}, env...)
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash completion of %q: %v %s", words, err, out)
	}
	return strings.Fields(string(out))
}

func has(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, l := range list {
			found = found || l == w
		}
		if !found {
			return false
		}
	}
	return true
}

// Bash completes commands, flags, flag values, subcommands, example
// recipes and the journal's transaction ids, in a real bash.
func TestCompletionBash(t *testing.T) {
	bin := rewireBin(t)
	dir := t.TempDir()
	env := []string{"REWIRE_STATE_DIR=" + dir}
	if got := completeBash(t, bin, env, "rewire", ""); !has(got, "run", "plan", "confirm", "rollback", "completion", "version", "--version") || has(got, "guardian") {
		t.Errorf("commands: %v", got)
	}
	if got := completeBash(t, bin, env, "rewire", "run", "--con"); !has(got, "--confirm") || len(got) != 1 {
		t.Errorf("run --con: %v", got)
	}
	if got := completeBash(t, bin, env, "rewire", "run", "--allow", ""); !has(got, "exec", "files", "net") {
		t.Errorf("run --allow: %v", got)
	}
	if got := completeBash(t, bin, env, "rewire", "lab", ""); !has(got, "up", "down", "reboot", "status") {
		t.Errorf("lab: %v", got)
	}
	if got := completeBash(t, bin, env, "rewire", "run", "--lab", "examples/nat-"); !has(got, "examples/nat-to-bridge.lua", "examples/nat-network.lua") {
		t.Errorf("run recipe: %v", got)
	}

	// A real transaction, made in a throw-away namespace.
	tg := nstest.New(t)
	if out, _, err := rewireIn(t, tg, append(os.Environ(), env...), "run", "--no-guard", "-e", `link.set("lo", {mtu = 1400})`); err != nil {
		t.Fatalf("run: %v %s", err, out)
	}
	ids, err := exec.Command(bin, "completion", "ids", "--state-dir", dir).Output()
	if err != nil || len(strings.Fields(string(ids))) != 1 {
		t.Fatalf("completion ids: %v %q", err, ids)
	}
	id := strings.TrimSpace(string(ids))
	if got := completeBash(t, bin, env, "rewire", "rollback", ""); !has(got, "last", id) {
		t.Errorf("rollback: %v, want last and %s", got, id)
	}
	if got := completeBash(t, bin, env, "rewire", "journal", "show", "--json", ""); !has(got, id) {
		t.Errorf("journal show: %v, want %s", got, id)
	}
	// confirm offers pending transactions only: this one is committed.
	if got := completeBash(t, bin, env, "rewire", "confirm", ""); has(got, id) || !has(got, "last") {
		t.Errorf("confirm: %v (the committed %s is not pending)", got, id)
	}
}

// The zsh script parses, and defines _rewire as the completion of rewire
// in a real zsh with compinit.
func TestCompletionZsh(t *testing.T) {
	if _, err := exec.LookPath("zsh"); err != nil {
		t.Skip("zsh is not installed (.ci/install-deps installs it)")
	}
	bin := rewireBin(t)
	script, err := exec.Command(bin, "completion", "zsh").Output()
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "_rewire")
	check(t, os.WriteFile(f, script, 0o644))
	if out, err := exec.Command("zsh", "-n", f).CombinedOutput(); err != nil {
		t.Fatalf("zsh -n: %v %s", err, out)
	}
	cmd := exec.Command("zsh", "-f", "-c", `autoload -U compinit && compinit -u -d "$2/zcompdump" && source "$1" && print -r -- "$_comps[rewire]"`, "zsh", f, t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "_rewire" {
		t.Errorf("zsh: rewire completes with %q (%v), want _rewire", out, err)
	}
	for _, want := range []string{"'run:run a Lua recipe", "'--confirm=[", "_rewire_ids pending", "_rewire_recipes"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("zsh script lacks %q", want)
		}
	}
}
