package tx_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"rewire/bindings/link"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

func up(b bool) *bool { return &b }

// A transaction left open — what kill -9 leaves — is undone by Recover
// from the journal alone, in another Store (another process in real life).
func TestRecoverUndoesAnAbandonedTransaction(t *testing.T) {
	tg := nstest.New(t)
	dir := t.TempDir()
	st, _ := tx.OpenStore(dir)
	s := &tx.Session{Store: st, Target: tg}
	if err := link.Set(s, "lo", link.Settings{Up: up(false)}); err != nil {
		t.Fatal(err)
	}
	mtu := 1400
	if err := link.Set(s, "lo", link.Settings{MTU: &mtu}); err != nil {
		t.Fatal(err)
	}
	id := s.Current().ID
	s.Current().Detach() // the process "dies": no end record, lock released

	st2, _ := tx.OpenStore(dir)
	var undone []string
	done, err := st2.Recover(func(_ string, r tx.UndoResult) { undone = append(undone, r.Desc) })
	if err != nil || len(done) != 1 || done[0] != id {
		t.Fatalf("recover: %v %v", done, err)
	}
	if len(undone) != 2 || !strings.Contains(undone[0], "mtu 1400") {
		t.Fatalf("undo order: %v (want newest first)", undone)
	}
	lo, _ := link.Get(tg, "lo")
	if !lo.Up || lo.MTU != 65536 {
		t.Fatalf("lo after recover: %+v", lo)
	}
	sum, _ := st2.Load(id)
	if sum.State != tx.StateRolledBack {
		t.Fatalf("journal state %s", sum.State)
	}
	if done, _ := st2.Recover(nil); len(done) != 0 {
		t.Fatalf("second recover redid %v", done)
	}
}

func TestSecondTransactionFailsFastNamingTheHolder(t *testing.T) {
	tg := nstest.New(t)
	dir := t.TempDir()
	st1, _ := tx.OpenStore(dir)
	st2, _ := tx.OpenStore(dir)
	t1, err := st1.Begin(tg, "a.lua", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = st2.Begin(tg, "b.lua", nil, false)
	var locked *tx.ErrLocked
	if !errors.As(err, &locked) || !strings.Contains(err.Error(), t1.ID) || !strings.Contains(err.Error(), "pid") {
		t.Fatalf("want ErrLocked naming %s, got %v", t1.ID, err)
	}
	t1.Commit()
	t2, err := st2.Begin(tg, "b.lua", nil, false)
	if err != nil {
		t.Fatalf("after commit: %v", err)
	}
	t2.Rollback()
}

func TestJournalIsPrivateAndSavepointsUndoOnlyLaterChanges(t *testing.T) {
	tg := nstest.New(t)
	dir := t.TempDir()
	st, _ := tx.OpenStore(dir)
	s := &tx.Session{Store: st, Target: tg}
	m1, m2 := 9000, 1280
	link.Set(s, "lo", link.Settings{MTU: &m1})
	sp := s.Current().Savepoint("x")
	link.Set(s, "lo", link.Settings{MTU: &m2})
	if err := s.Current().RollbackTo(sp).Err(); err != nil {
		t.Fatal(err)
	}
	lo, _ := link.Get(tg, "lo")
	if lo.MTU != 9000 {
		t.Fatalf("mtu %d after rollback_to, want 9000", lo.MTU)
	}
	id, _ := s.Commit()
	fi, err := os.Stat(dir + "/journal/" + id + ".jsonl")
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("journal file mode %v (%v), want 0600", fi.Mode(), err)
	}
}

// With wait, a second transaction says once whom it waits for, begins as
// soon as the first ends, and gives up when its cancel channel closes.
func TestSecondTransactionWaitsAndCanGiveUp(t *testing.T) {
	tg := nstest.New(t)
	dir := t.TempDir()
	st1, _ := tx.OpenStore(dir)
	st2, _ := tx.OpenStore(dir)
	t1, err := st1.Begin(tg, "a.lua", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	holders := make(chan string, 10)
	st2.OnWait = func(h string) { holders <- h }
	began := make(chan error, 1)
	go func() {
		t2, err := st2.Begin(tg, "b.lua", nil, true)
		if err == nil {
			t2.Rollback()
		}
		began <- err
	}()
	if h := <-holders; !strings.Contains(h, t1.ID) {
		t.Errorf("waiting for %q, want the holder %s named", h, t1.ID)
	}
	select {
	case err := <-began:
		t.Fatalf("began while the first transaction was open: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	t1.Commit()
	if err := <-began; err != nil {
		t.Fatalf("after the first ended: %v", err)
	}
	if len(holders) != 0 {
		t.Errorf("told whom it waits for more than once")
	}

	t3, err := st1.Begin(tg, "c.lua", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	defer t3.Rollback()
	cancel := make(chan struct{})
	st2.OnWait, st2.WaitCancel = func(string) { close(cancel) }, cancel
	if _, err := st2.Begin(tg, "d.lua", nil, true); err == nil || !strings.Contains(err.Error(), "gave up waiting") || !strings.Contains(err.Error(), t3.ID) {
		t.Fatalf("cancelled wait: %v", err)
	}
}
