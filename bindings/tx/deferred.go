package tx

import "errors"

// A binding may put a change off so that a loop of small calls becomes
// one change (a script's 500 nat.port_forward calls: one journaled step,
// one iptables-restore). What it puts off is run before anything could
// tell the difference: before the next change of any kind, a savepoint,
// a pending mark or the commit (and, through the Lua engine's barrier,
// before the next binding call of any other kind and at the end of each
// chunk). The change is journaled when it runs, so the journal still
// holds every change before it touches the host; a crash before it runs
// leaves nothing to undo. Rollback drops what was put off: it never ran.

// deferred is one binding's put-off work, registered once per key.
type deferred struct {
	key string
	run func() error
}

// Defer registers run under key unless work under key is already
// waiting (the binding adds to its own queue then). It reports whether
// it registered.
func (t *Tx) Defer(key string, run func() error) bool {
	for _, d := range t.pending {
		if d.key == key {
			return false
		}
	}
	t.pending = append(t.pending, deferred{key, run})
	return true
}

// Deferred reports whether work under key is waiting.
func (t *Tx) Deferred(key string) bool {
	for _, d := range t.pending {
		if d.key == key {
			return true
		}
	}
	return false
}

// Flush runs the put-off work, oldest first; every piece runs even if
// one fails, and the errors are joined. The queue is emptied before any
// runs, so work that applies changes does not flush itself.
func (t *Tx) Flush() error {
	if len(t.pending) == 0 {
		return nil
	}
	todo := t.pending
	t.pending = nil
	var errs []error
	for _, d := range todo {
		if err := d.run(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// flushAll is Flush with the error a savepoint's flush kept.
func (t *Tx) flushAll() error {
	err := errors.Join(t.flushErr, t.Flush())
	t.flushErr = nil
	return err
}

// discard drops the put-off work (a rollback: it never ran).
func (t *Tx) discard() { t.pending = nil }

// Flush runs the current transaction's put-off work (Tx.Flush); nil
// when there is no transaction.
func (s *Session) Flush() error {
	if s.cur == nil {
		return nil
	}
	return s.cur.Flush()
}
