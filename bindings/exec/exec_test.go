package exec

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"rewire/bindings/link"
	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// testHost is a fresh namespace holding a bridge named like no link
// of this machine, so output that lists it came from inside.
func testHost(t *testing.T) (*tx.Session, *target.Target) {
	t.Helper()
	tg := nstest.New(t)
	h, err := tg.Handle()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.LinkAdd(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "rwtest0"}}); err != nil {
		t.Fatal(err)
	}
	st, err := tx.OpenStore(filepath.Join(t.TempDir(), "state"))
	if err != nil {
		t.Fatal(err)
	}
	return &tx.Session{Store: st, Target: tg}, tg
}

func runLua(t *testing.T, s *tx.Session, grant engine.Caps, src string) (*engine.Error, string) {
	t.Helper()
	var out strings.Builder
	e := engine.New(&out, Module(s))
	defer e.Close()
	e.Grant(grant)
	err := e.DoString(context.Background(), src, "t.lua")
	return err, out.String()
}

var execCap = engine.Caps{engine.CapExec: true}

func TestRunsInsideTheTargetNamespace(t *testing.T) {
	_, tg := testHost(t)
	res, err := Run(context.Background(), tg, []string{"ip", "-br", "link"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		names[strings.Fields(l)[0]] = true
	}
	if res.Code != 0 || len(names) != 2 || !names["lo"] || !names["rwtest0"] {
		t.Fatalf("want lo and rwtest0 only, got code %d:\n%s", res.Code, res.Stdout)
	}
}

func TestExitCodeStdinAndStderrComeBack(t *testing.T) {
	s, _ := testHost(t)
	err, out := runLua(t, s, execCap, `
		local r = exec.run({"ip", "link", "show", "nosuch0"})
		print(r.code, r.stdout == "", r.stderr:match("does not exist") ~= nil)
		r = exec.run({"cat"}, {stdin = "a\nb\n"})
		print(r.code, r.stdout == "a\nb\n")
		r = exec.run({"sh", "-c", "kill -TERM $$"})
		print(r.code)`)
	if err != nil {
		t.Fatal(err)
	}
	if want := "1\ttrue\ttrue\n0\ttrue\n143\n"; out != want {
		t.Fatalf("got %q, want %q", out, want)
	}
}

func TestBadInputIsOneLine(t *testing.T) {
	s, _ := testHost(t)
	for src, want := range map[string]string{
		`exec.run({"nosuch-prog", "x"})`:       `exec.run nosuch-prog: nosuch-prog is not installed (not found in PATH)`,
		`exec.run("ip link")`:                  `exec.run: argv must be a list of strings, e.g. {"ip", "-br", "link"}`,
		`exec.run({"ip", 3})`:                  `exec.run ip: argv[2] is a number, not a string`,
		`exec.run({})`:                         `exec.run: argv must be a non-empty list of strings`,
		`exec.run({"ip"}, {shell = true})`:     `exec.run ip: unknown option shell (known: irreversible, stdin)`,
		`exec.run({"ip", x = "y"})`:            `exec.run ip: argv must be a non-empty list of strings`,
		`exec.run({"ip"}, {irreversible = 1})`: `exec.run ip: option irreversible: want boolean, got number`,
	} {
		err, _ := runLua(t, s, execCap, src)
		if err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %s", src, err, want)
		}
	}
}

func TestNeedsTheExecCapability(t *testing.T) {
	s, _ := testHost(t)
	err, _ := runLua(t, s, nil, `exec.run({"ip", "link", "add", "x0", "type", "bridge"})`)
	if err == nil || err.Kind != engine.KindDenied || !strings.Contains(err.Message, "needs capability exec") {
		t.Fatalf("want denied, got %v", err)
	}
	if link.Exists(s.Target, "x0") {
		t.Fatal("the denied program ran")
	}
}

// After a change, a program is refused unless the script accepts that
// rollback cannot undo it; a plan runs no program at all.
func TestRefusedAfterChangesUnlessIrreversible(t *testing.T) {
	s, tg := testHost(t)
	mtu := 1400
	if err := link.Set(s, "rwtest0", link.Settings{MTU: &mtu}); err != nil {
		t.Fatal(err)
	}
	err, _ := runLua(t, s, execCap, `exec.run({"ip", "link", "add", "x0", "type", "bridge"})`)
	if err == nil || !strings.Contains(err.Error(), "exec.run ip: the transaction already holds 1 changes") {
		t.Fatalf("want refusal, got %v", err)
	}
	if link.Exists(tg, "x0") {
		t.Fatal("the refused program ran")
	}
	if err, _ := runLua(t, s, execCap, `exec.run({"ip", "link", "add", "x0", "type", "bridge"}, {irreversible = true})`); err != nil {
		t.Fatal(err)
	}
	if !link.Exists(tg, "x0") {
		t.Fatal("irreversible=true did not run the program")
	}
	s.Rollback()

	plan := &tx.Session{Target: tg, DryRun: true}
	err, _ = runLua(t, plan, execCap, `exec.run({"ip", "link", "del", "x0"})`)
	if err == nil || !strings.Contains(err.Error(), "a plan does not run programs") || !link.Exists(tg, "x0") {
		t.Fatalf("plan: %v", err)
	}
}
