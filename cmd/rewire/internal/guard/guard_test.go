package guard

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"rewire/bindings/modules"
	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/lua/engine"
	"rewire/lua/script"
)

// host is a miniature lab (nstest's host+LAN fixture): eth0 10.0.0.111/24,
// default via 10.0.0.1, a veth to a port of the LAN's bridge, which holds
// 10.0.0.1/24.
type host struct {
	tg, lan *target.Target
	store   *tx.Store
}

func newHost(t *testing.T) *host {
	t.Helper()
	spec := nstest.LabSpec()
	spec.NICs[0].MAC = "" // the kernel's
	// No IPv6 duplicate address detection: its timer would change the
	// link-local address's flags while a test compares states.
	spec.Setup = func(tg *target.Target) error {
		return tg.Do(func() error {
			return os.WriteFile("/proc/sys/net/ipv6/conf/default/accept_dad", []byte("0"), 0o644)
		})
	}
	l := nstest.NewHostLAN(t, spec)
	h := &host{tg: l.Host, lan: l.LAN}
	var err error
	h.store, err = tx.OpenStore(t.TempDir())
	must(t, err)
	return h
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// rewireBinary builds cmd/rewire once: the guardian is that binary.
func rewireBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rewire-guard-test")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "rewire")
		out, err := exec.Command("go", "build", "-o", binPath, "rewire/cmd/rewire").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build rewire: %v", buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// run executes src as `rewire run` does, with commit as the commit hook.
func (h *host) run(t *testing.T, src string, commit func(*tx.Session) error) *script.Result {
	t.Helper()
	return h.runWith(t, src, commit, nil)
}

// runWith is run with onBegin as the session's OnBegin hook.
func (h *host) runWith(t *testing.T, src string, commit func(*tx.Session) error, onBegin func()) *script.Result {
	t.Helper()
	s := &tx.Session{Store: h.store, Target: h.tg, Script: "test", OnBegin: onBegin}
	e := engine.New(&bytes.Buffer{}, modules.Kernel(s)...)
	defer e.Close()
	return script.Run(context.Background(), s, e, script.Options{Chunk: src, Commit: commit})
}

func (h *host) ipState(t *testing.T) string {
	t.Helper()
	// A link-local address stays tentative until the link has carrier,
	// DAD or not: wait (bounded) for the kernel to settle it first.
	for giveUp := time.Now().Add(5 * time.Second); time.Now().Before(giveUp); time.Sleep(20 * time.Millisecond) {
		if out, err := h.tg.Run(nil, "ip", "-j", "addr"); err == nil && !strings.Contains(string(out), "tentative") {
			break
		}
	}
	var b strings.Builder
	for _, args := range [][]string{{"-j", "link"}, {"-j", "addr"}, {"-j", "route", "show", "table", "all"}} {
		out, err := h.tg.Run(nil, "ip", args...)
		must(t, err)
		b.Write(out)
	}
	return b.String()
}

// cutOff is SCENARIOS.md S2 with the NIC never enslaved: the address
// and the default route move to a bridge with no port, and the host
// drops off the LAN.
const cutOff = `bridge.create("br0", {stp = false, forward_delay = 0}); addr.move("eth0", "br0")`

// An unconfirmed change is rolled back by the guardian process, the run
// fails, and the lock is free again.
func TestGuardianRevertsUnconfirmed(t *testing.T) {
	h := newHost(t)
	before := h.ipState(t)
	var out bytes.Buffer
	res := h.run(t, cutOff, ConfirmCommit(time.Second, rewireBinary(t), &out, false))
	if !errors.Is(errFrom(res), ErrNotConfirmed) && !strings.Contains(res.Error, ErrNotConfirmed.Error()) {
		t.Fatalf("run: want %q, got %q\n%s", ErrNotConfirmed, res.Error, out.String())
	}
	if after := h.ipState(t); after != before {
		t.Errorf("state after the guardian's rollback differs:\nbefore %s\nafter  %s", before, after)
	}
	sum, err := h.store.Load(res.TxID)
	must(t, err)
	if sum.State != tx.StateRolledBack {
		t.Errorf("journal state %s, want %s", sum.State, tx.StateRolledBack)
	}
	log, _ := os.ReadFile(LogPath(h.store, res.TxID))
	if !strings.Contains(string(log), "rolled back transaction "+res.TxID) {
		t.Errorf("guardian log: %s", log)
	}
	must(t, h.store.Lock("next", false)) // the guardian let the lock go
	h.store.Unlock()
}

func errFrom(r *script.Result) error {
	if r.Err == nil {
		return nil
	}
	return r.Err
}

// `rewire confirm ID` from another process keeps the change; while it is
// pending the guardian holds the lock, and a second transaction is refused
// naming it.
func TestConfirmFromSecondSession(t *testing.T) {
	h := newHost(t)
	bin := rewireBinary(t)
	var out bytes.Buffer
	done := make(chan *script.Result, 1)
	go func() {
		done <- h.run(t, `link.set("eth0", {mtu = 1400})`, ConfirmCommit(time.Hour, bin, &out, false))
	}()
	id := waitPending(t, h.store)

	_, err := h.store.Begin(h.tg, "second", nil, false)
	var locked *tx.ErrLocked
	if !errors.As(err, &locked) || !strings.Contains(locked.Holder, "guardian of pending transaction "+id) {
		t.Errorf("second transaction while pending: want the guardian named, got %v", err)
	}
	if err := exec.Command(bin, "confirm", "--state-dir", h.store.Dir, "nosuch").Run(); err == nil {
		t.Errorf("confirm of an unknown transaction succeeded")
	}
	cmd := exec.Command(bin, "confirm", "--state-dir", h.store.Dir, id)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rewire confirm: %v: %s", err, b)
	}
	res := <-done
	if res.Err != nil {
		t.Fatalf("run after confirm: %v\n%s", res.Err, out.String())
	}
	l, _ := h.tg.LinkByName("eth0")
	if l.Attrs().MTU != 1400 {
		t.Errorf("confirmed change lost: mtu %d", l.Attrs().MTU)
	}
	sum, err := h.store.Load(id)
	must(t, err)
	if sum.State != tx.StateCommitted {
		t.Errorf("journal state %s, want committed", sum.State)
	}
	if err := h.store.Confirm(id); err == nil {
		t.Errorf("second confirm of %s succeeded", id)
	}
	must(t, h.store.Lock("next", false))
	h.store.Unlock()
}

// waitPending polls the journal until a transaction is pending (bounded).
func waitPending(t *testing.T, st *tx.Store) string {
	t.Helper()
	for giveUp := time.Now().Add(time.Minute); time.Now().Before(giveUp); {
		all, err := st.List()
		must(t, err)
		for _, s := range all {
			if s.State == tx.StatePending {
				return s.ID
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no transaction became pending within a minute")
	return ""
}

// A guardian that cannot be started leaves the host as it was.
func TestNoGuardianRevertsAtOnce(t *testing.T) {
	h := newHost(t)
	before := h.ipState(t)
	res := h.run(t, cutOff, ConfirmCommit(time.Hour, "/nonexistent/rewire", &bytes.Buffer{}, false))
	if res.Err == nil || !strings.Contains(res.Error, "/nonexistent/rewire") {
		t.Fatalf("want an error naming the missing binary, got %v", res.Err)
	}
	if after := h.ipState(t); after != before {
		t.Errorf("host changed:\nbefore %s\nafter  %s", before, after)
	}
	must(t, h.store.Lock("next", false))
	h.store.Unlock()
}

// The automatic probes: the gateway answers before; a change that cuts it
// off fails Verify, naming it, and the run rolls back.
func TestAutomaticProbes(t *testing.T) {
	h := newHost(t)
	g := Before(h.tg)
	if len(g.Before.Checks) != 1 || g.Before.Checks[0].IP != "10.0.0.1" {
		t.Fatalf("baseline: %+v", g.Before.Checks)
	}
	must(t, Verify(h.tg, g.Before))
	before := h.ipState(t)
	res := h.run(t, cutOff, Commit(g, CommitOptions{Out: &bytes.Buffer{}}))
	if res.Err == nil || !strings.Contains(res.Error, "default gateway 10.0.0.1") {
		t.Fatalf("want the lost gateway named, got %v", res.Err)
	}
	if after := h.ipState(t); after != before {
		t.Errorf("not rolled back:\nbefore %s\nafter  %s", before, after)
	}
	// A change that keeps the gateway reachable commits.
	res = h.run(t, `link.set("eth0", {mtu = 1400})`, Commit(g, CommitOptions{Out: &bytes.Buffer{}}))
	if res.Err != nil || res.State != tx.StateCommitted {
		t.Fatalf("harmless change: %v (%s)", res.Err, res.State)
	}
}

// The guard finds the admin's session from $SSH_CONNECTION and arms
// confirm-or-revert only for a change on its path.
func TestTouchesSession(t *testing.T) {
	h := newHost(t)
	t.Setenv("SSH_CONNECTION", "10.0.0.1 40022 10.0.0.111 22")
	ss := Sessions(h.tg)
	if len(ss) != 1 || ss[0].Dev != "eth0" || ss[0].ServerPort != 22 {
		t.Fatalf("sessions: %+v", ss)
	}
	for obj, want := range map[string]bool{
		"link:eth0":                  true,
		"addr:eth0:10.0.0.111/24":    true,
		"route:254/default/0/2":      true,
		"route:254/10.0.0.0/24/0/2":  true,
		"route:254/192.0.2.0/24/0/2": false,
		"link:br0":                   false,
		"sysctl:net.ipv4.ip_forward": false,
	} {
		reason, ok := Touched(ss, []*tx.Step{{Obj: obj, Desc: "x"}})
		if ok != want {
			t.Errorf("%s: touched=%v, want %v", obj, ok, want)
		}
		if ok && !strings.Contains(reason, "10.0.0.1:40022") {
			t.Errorf("reason does not name the session: %s", reason)
		}
	}
	// Through the hook: touching eth0 arms a confirm deadline and says why.
	var out bytes.Buffer
	g := &Guard{Target: h.tg, Sessions: ss, Before: &Reachable{}}
	bin := rewireBinary(t)
	res := h.run(t, `link.set("eth0", {mtu = 1300})`, Commit(g, CommitOptions{Auto: time.Second, Self: bin, Out: &out}))
	if res.Err == nil || !strings.Contains(out.String(), "confirm-or-revert armed") {
		t.Errorf("guard did not arm: %v\n%s", res.Err, out.String())
	}
	// An address outside the target is not its session.
	t.Setenv("SSH_CONNECTION", "10.0.0.1 40022 198.51.100.7 22")
	if ss := Sessions(h.tg); len(ss) != 0 {
		t.Errorf("foreign SSH_CONNECTION taken as a session: %+v", ss)
	}
}

// A lazy guard looks at the host as the first transaction begins: a run
// that changes nothing probes nothing and commits nothing; a run that
// changes something has the gateway that answered before required after.
func TestLazyGuardLooksBeforeTheFirstChange(t *testing.T) {
	h := newHost(t)
	g := Lazy(h.tg)
	res := h.runWith(t, `local l = link.get("eth0")`, Commit(g, CommitOptions{Out: &bytes.Buffer{}}), g.Take)
	if res.Err != nil || res.TxID != "" {
		t.Fatalf("read-only run: %v (transaction %q)", res.Err, res.TxID)
	}
	if g.Taken() {
		t.Fatalf("the guard looked at the host for a run that changed nothing: %+v", g.Before)
	}
	res = h.runWith(t, `link.set("eth0", {mtu = 1400})`, Commit(g, CommitOptions{Out: &bytes.Buffer{}}), g.Take)
	if res.Err != nil || res.State != tx.StateCommitted {
		t.Fatalf("harmless change: %v (%s)", res.Err, res.State)
	}
	if !g.Taken() || len(g.Before.Checks) == 0 {
		t.Fatalf("the guard took no baseline before the change: %+v", g.Before)
	}
	// The baseline came before the change: the gateway check it kept is
	// required, and a change that loses the gateway rolls back.
	res = h.runWith(t, `addr.del("eth0", "10.0.0.111/24")`, Commit(g, CommitOptions{Out: &bytes.Buffer{}}), g.Take)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "gateway") {
		t.Fatalf("losing the gateway committed: %v (%s)", res.Err, res.State)
	}
}
