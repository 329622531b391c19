package nat

import (
	"fmt"
	"sync"

	"rewire/bindings/tx"
)

// A script's loop of nat.forward_port calls used to cost one journaled
// change and one iptables-restore each (and so ran slower than one
// `iptables` exec per rule). QueuePortForward puts each call's rules in
// a queue of the transaction instead; the queue goes in as one change —
// journaled before its batch runs, as every change — at the transaction's
// next step of any kind, its next savepoint, its commit, or (through the
// Lua module's barrier) before the script calls any other binding or
// when its chunk ends. So nothing a script can do sees a rule missing,
// and a crash before the queue goes in leaves nothing to undo.

// queue is one transaction's put-off forwards of one family.
type queue struct {
	s     *tx.Session
	t     *tx.Tx
	f     Family
	rs    *ruleset // as read at the first call: each call is planned against it
	rules []Rule
	have  map[string]bool // table + line of every queued rule
	descs []string
	// warn are the warnings of the queue's calls, read with rs: one
	// reading of the host per queue, not per call.
	warn []string
}

var (
	queuesMu sync.Mutex
	queues   = map[*tx.Tx]map[Family]*queue{}
)

func queueKey(f Family) string { return "nat.forward_port:" + string(f) }

// queueFor returns t's queue of family f, making (and registering) one
// when none waits.
func queueFor(s *tx.Session, t *tx.Tx, f Family) (*queue, error) {
	queuesMu.Lock()
	q := queues[t][f]
	queuesMu.Unlock()
	if q != nil && t.Deferred(queueKey(f)) {
		return q, nil
	}
	rs, _, _, err := loadForChange(s.Target, f)
	if err != nil {
		return nil, err
	}
	q = &queue{s: s, t: t, f: f, rs: rs, have: map[string]bool{}, warn: warnings(s.Target, rs, f, false)}
	queuesMu.Lock()
	for old := range queues { // a rolled-back transaction's queue never ran
		if old != t && !old.Deferred(queueKey(IPv4)) && !old.Deferred(queueKey(IPv6)) {
			delete(queues, old)
		}
	}
	if queues[t] == nil {
		queues[t] = map[Family]*queue{}
	}
	queues[t][f] = q
	queuesMu.Unlock()
	t.Defer(queueKey(f), q.flush)
	return q, nil
}

// QueuePortForward is AddPortForward put off until the transaction's
// next step (see above): the forward is checked now (bad input fails
// here, naming it, and queues nothing); Result.Added counts the rules
// that will go in (those neither on the host nor queued already).
func QueuePortForward(s *tx.Session, pf PortForward) (Result, error) {
	f, desc, rules, err := portForward(s, pf)
	if err != nil {
		return Result{}, err
	}
	t, err := s.Tx()
	if err != nil {
		return Result{}, err
	}
	q, err := queueFor(s, t, f)
	if err != nil {
		return Result{}, err
	}
	added := 0
	for _, r := range makePlan(q.rs, rules).Rules {
		if k := r.Table + " " + r.Line(); !q.have[k] {
			q.have[k] = true
			q.rules = append(q.rules, r)
			added++
		}
	}
	if added > 0 {
		q.descs = append(q.descs, desc)
	}
	return Result{Tag: rules[0].Tag(), Added: added, Warnings: q.warn}, nil
}

// flush puts the queue in as one change.
func (q *queue) flush() error {
	queuesMu.Lock()
	if m := queues[q.t]; m != nil && m[q.f] == q {
		delete(m, q.f)
		if len(m) == 0 {
			delete(queues, q.t)
		}
	}
	queuesMu.Unlock()
	if len(q.rules) == 0 {
		return nil
	}
	desc := q.descs[0]
	if n := len(q.descs); n > 1 {
		desc = fmt.Sprintf("%d port forwards: %s, ..., %s", n, q.descs[0], q.descs[n-1])
	}
	if _, _, err := addRules(q.s, q.f, desc, q.rules); err != nil {
		return fmt.Errorf("nat.forward_port (%s, put in at the next step): %w", desc, err)
	}
	return nil
}
