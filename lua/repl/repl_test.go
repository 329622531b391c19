package repl_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rewire/bindings/tx"
	"rewire/lua/engine"
)

func TestExpressionValuesArePrinted(t *testing.T) {
	ss := newSession(t)
	out := ss.feed(t, `link.get("veth0").mtu`)
	contains(t, out, "1500")
	out = ss.feed(t, `link.list()`)
	contains(t, out, "name")
	contains(t, out, "veth0")
	if got := ss.feed(t, `x = 41`, `x + 1`); strings.TrimSpace(got) != "42" {
		t.Fatalf("x + 1 printed %q", got)
	}
}

func TestMultiLineChunkWaitsForItsEnd(t *testing.T) {
	ss := newSession(t)
	ctx := context.Background()
	for _, l := range []string{"for i = 1, 2 do", `  print("n" .. i)`} {
		if more, _ := ss.r.Feed(ctx, l); !more {
			t.Fatalf("%q: the chunk is not finished, the REPL should wait", l)
		}
		if ss.r.Prompt() != ".. " {
			t.Fatalf("continuation prompt is %q", ss.r.Prompt())
		}
	}
	more, chunk := ss.r.Feed(ctx, "end")
	if more || !strings.Contains(chunk, "for i = 1, 2 do\n") {
		t.Fatalf("more=%v chunk=%q", more, chunk)
	}
	contains(t, ss.out.String(), "n1\nn2\n")
	if ss.r.Prompt() != "rewire test [0]> " {
		t.Fatalf("prompt after the chunk: %q", ss.r.Prompt())
	}
}

func TestErrorIsOneLineAndHostUnchanged(t *testing.T) {
	ss := newSession(t)
	out := ss.feed(t, `link.set("veth0", {mtu = 1400}) link.set("nope0", {mtu = 1400})`)
	if strings.Count(strings.TrimSpace(out), "\n") > 2 || !strings.Contains(out, "nope0") {
		t.Fatalf("want one error line naming nope0 (and the undo report), got:\n%s", out)
	}
	contains(t, out, "undid 1 change of the failed statement")
	if m := ss.mtu(t, "veth0"); m != 1500 {
		t.Fatalf("a failed statement left mtu %d", m)
	}
	if ss.r.Prompt() != "rewire test [0]> " {
		t.Fatalf("prompt %q", ss.r.Prompt())
	}
	out = ss.feed(t, `link.get("veth0"`+"\x00"+`)`)
	if out == "" || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("a syntax error prints one line, got %q", out)
	}
	contains(t, ss.feed(t, ":frobnicate"), "unknown command :frobnicate")
}

func TestUndoUndoesTheLastStatementThatChanged(t *testing.T) {
	ss := newSession(t)
	ss.feed(t, `link.set("veth0", {mtu = 1400})`)
	ss.feed(t, `link.set("veth0", {mtu = 1300, up = true})`, `print("look")`)
	if p := ss.r.Prompt(); p != "rewire test [2]> " {
		t.Fatalf("prompt %q", p)
	}
	out := ss.feed(t, ":undo")
	contains(t, out, "undid 1 change of `link.set(\"veth0\", {mtu = 1300, up = true})`")
	if m := ss.mtu(t, "veth0"); m != 1400 {
		t.Fatalf("mtu after :undo = %d, want 1400", m)
	}
	contains(t, ss.feed(t, ":changes"), "(undone)")
	ss.feed(t, ":undo")
	if m := ss.mtu(t, "veth0"); m != 1500 {
		t.Fatalf("mtu after two :undo = %d, want 1500", m)
	}
	contains(t, ss.feed(t, ":undo"), "no change to undo")
}

func TestSavepointAndRollback(t *testing.T) {
	ss := newSession(t)
	ss.feed(t, `link.set("veth0", {mtu = 1400})`, ":savepoint a", `link.set("veth0", {mtu = 1300})`)
	contains(t, ss.feed(t, ":rollback a"), "savepoint a")
	if m := ss.mtu(t, "veth0"); m != 1400 {
		t.Fatalf("mtu after :rollback a = %d", m)
	}
	contains(t, ss.feed(t, ":rollback nosuch"), "no such savepoint")
	contains(t, ss.feed(t, ":rollback"), "rolled back 1 change")
	if m := ss.mtu(t, "veth0"); m != 1500 {
		t.Fatalf("mtu after :rollback = %d", m)
	}
}

func TestCommitKeepsChanges(t *testing.T) {
	ss := newSession(t)
	ss.feed(t, `link.set("veth0", {mtu = 1450})`)
	contains(t, ss.feed(t, ":commit"), "committed 1 change as transaction")
	if m := ss.mtu(t, "veth0"); m != 1450 || ss.r.Prompt() != "rewire test [0]> " {
		t.Fatalf("mtu %d prompt %q", m, ss.r.Prompt())
	}
	contains(t, ss.feed(t, ":undo"), "no change to undo")
	contains(t, ss.feed(t, ":commit"), "nothing to commit")
}

func TestInterruptUndoesTheRunningStatement(t *testing.T) {
	ss := newSession(t)
	applied := make(chan struct{}, 1)
	ss.s.OnApply = func(*tx.Step) { applied <- struct{}{} }
	done := make(chan struct{})
	go func() {
		ss.r.Feed(context.Background(), `link.set("veth0", {mtu = 1280}) while true do end`)
		close(done)
	}()
	<-applied
	for !ss.r.Interrupt() { // the change is made; the loop is about to run
	}
	<-done
	contains(t, ss.out.String(), "interrupted (Ctrl-C)")
	if m := ss.mtu(t, "veth0"); m != 1500 {
		t.Fatalf("an interrupted statement left mtu %d", m)
	}
}

func TestSaveWritesARunnableRecipe(t *testing.T) {
	ss := newSession(t)
	dir := t.TempDir()
	ss.feed(t,
		`link.list()`,                           // inspection: left out
		`name = "veth0"`,                        // kept
		`link.set(name, {mtu = 1400})`,          // kept
		`link.set(name, {mtu = 1300})`, `:undo`, // undone: left out
		`link.set("nope0", {mtu = 1})`, // failed: left out
		`for _, m in ipairs({1420}) do`, `link.set(name, {mtu = m})`, `end`,
	)
	path := filepath.Join(dir, "r.lua")
	contains(t, ss.feed(t, ":save "+path), "saved 3 statements")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	if !strings.HasPrefix(got, "-- Recipe saved from `rewire repl`") {
		t.Fatalf("no header comment:\n%s", got)
	}
	body := got[strings.Index(got, "\n\n")+2:]
	want := "name = \"veth0\"\nlink.set(name, {mtu = 1400})\nfor _, m in ipairs({1420}) do\nlink.set(name, {mtu = m})\nend\n"
	if body != want {
		t.Fatalf("recipe body:\n%s\nwant:\n%s", body, want)
	}

	// The recipe reproduces the state on a fresh host.
	other := newSession(t)
	other.feed(t, ":load "+path)
	if m := other.mtu(t, "veth0"); m != 1420 {
		t.Fatalf("loaded recipe left mtu %d, want 1420", m)
	}
	contains(t, ss.feed(t, ":save "+filepath.Join(dir, "no", "such", "dir.lua")), "no such file or directory")
	contains(t, ss.feed(t, ":load "+filepath.Join(dir, "missing.lua")), "missing.lua: no such file or directory")
}

func TestHelpComesFromTheDocStrings(t *testing.T) {
	ss := newSession(t)
	out := ss.feed(t, ":help")
	contains(t, out, "link")
	contains(t, out, ":save FILE.lua")
	contains(t, ss.feed(t, ":help link.set"), "link.set(name: string, opts: {up?: boolean, mtu?: integer")
	contains(t, ss.feed(t, ":help check"), "check(name: string, fn: function)")
	// :help renders what `rewire doc TOPIC` does, from the same declarations.
	mods := append(ss.e.Modules(), engine.Builtins)
	for _, topic := range []string{"link", "link.set", "tx.rollback_to", "tx.changes", "_G.check"} {
		want, err := engine.Doc(mods, topic)
		if err != nil {
			t.Fatal(err)
		}
		if got := ss.feed(t, ":help "+topic); got != want {
			t.Errorf(":help %s printed\n%s\nrewire doc %s prints\n%s", topic, got, topic, want)
		}
	}
	contains(t, ss.feed(t, ":help tx.changes"), "alias of tx.list_changes")
	out = ss.feed(t, ":help nosuch")
	if !strings.Contains(out, `"nosuch"`) || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf(":help nosuch printed %q", out)
	}
}
