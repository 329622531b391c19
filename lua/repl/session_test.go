package repl_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"rewire/bindings/link"
	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/bindings/tx/txlua"
	"rewire/lua/engine"
	"rewire/lua/repl"
)

// session is a REPL on a fresh namespace holding one veth pair (veth0, veth1), with
// the real link and tx modules and a real journal.
type session struct {
	r   *repl.REPL
	e   *engine.Engine
	tg  *target.Target
	s   *tx.Session
	out *bytes.Buffer
}

func newSession(t *testing.T, extra ...engine.Module) *session {
	t.Helper()
	tg := nstest.New(t)
	h, err := tg.Handle()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "veth0", MTU: 1500}, PeerName: "veth1"}); err != nil {
		t.Fatal(err)
	}
	st, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out := &bytes.Buffer{}
	s := &tx.Session{Store: st, Target: tg, Script: "(repl)"}
	e := engine.New(out, append([]engine.Module{txlua.Module(s), link.Module(s)}, extra...)...)
	t.Cleanup(func() {
		s.Rollback()
		e.Close()
	})
	r := repl.New(repl.Config{Engine: e, Tx: sessionTx{s}, Target: "test", Stdout: out})
	return &session{r: r, e: e, tg: tg, s: s, out: out}
}

// feed types lines and returns what the session printed.
func (ss *session) feed(t *testing.T, lines ...string) string {
	t.Helper()
	ss.out.Reset()
	for _, l := range lines {
		ss.r.Feed(context.Background(), l)
	}
	return ss.out.String()
}

func (ss *session) mtu(t *testing.T, name string) int {
	t.Helper()
	in, err := link.Get(ss.tg, name)
	if err != nil {
		t.Fatal(err)
	}
	return in.MTU
}

// sessionTx is how the CLI adapts a tx.Session to repl.Transaction.
type sessionTx struct{ s *tx.Session }

func (a sessionTx) Changes() []repl.Change {
	var out []repl.Change
	if t := a.s.Current(); t != nil {
		for _, st := range t.Steps() {
			out = append(out, repl.Change{Seq: st.Seq, Desc: st.Desc, Undone: st.Undone})
		}
	}
	return out
}

func (a sessionTx) Count() int {
	if t := a.s.Current(); t != nil {
		return t.Live()
	}
	return 0
}

func (a sessionTx) Mark() repl.Mark {
	if t := a.s.Current(); t != nil {
		return repl.Mark{Tx: t.ID, N: len(t.Steps())}
	}
	return repl.Mark{}
}

func (a sessionTx) UndoTo(m repl.Mark) error {
	t := a.s.Current()
	if t == nil {
		return nil
	}
	from := m.N
	if t.ID != m.Tx {
		from = 0
	}
	return t.RollbackTo(from).Err()
}

func (a sessionTx) Commit() (string, error) { return a.s.Commit() }
func (a sessionTx) Rollback() error         { return a.s.Rollback().Err() }

func contains(t *testing.T, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Fatalf("output lacks %q:\n%s", want, got)
	}
}
