package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// scope is one limited run: the context everything in it runs under,
// which a limit cancels with its error, the clock and the heap watcher.
type scope struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	start  time.Time

	mu      sync.Mutex
	lim     Limits
	timer   *time.Timer
	heap    *heapWatch  // nil until a memory limit applies
	ask     atomic.Bool // the heap watcher asks the script's goroutine to confirm
	stopped bool
}

// runCtx is the context a limited run hands the Lua state: gopher-lua
// asks for Done before each instruction, which is where the script's
// goroutine answers the heap watcher (see heapWatch). It keeps the done
// channel so the question costs one atomic load more than a plain
// context's.
type runCtx struct {
	context.Context
	done <-chan struct{}
	s    *scope
}

func (c *runCtx) Done() <-chan struct{} {
	if c.s.ask.Load() && c.s.ask.CompareAndSwap(true, false) {
		c.s.heap.confirm() // set before the watcher that asks started
	}
	return c.done
}

// Limit starts a limited run: everything run under the returned context
// until stop — DoFile, DoString, Call, RunChecks, any number of them — is
// bounded together by the engine's limits, and a script file's header
// narrows them for the rest of the run. Going past a limit cancels the
// context; the call running then returns a KindLimit error. Calls made
// outside any Limit are each bounded on their own. ctx may be nil.
func (e *Engine) Limit(ctx context.Context) (limited context.Context, stop func()) {
	if ctx == nil {
		ctx = context.Background()
	}
	if e.scope != nil { // already in a run: it bounds this too
		return ctx, func() {}
	}
	s := &scope{start: time.Now()}
	inner, cancel := context.WithCancelCause(ctx)
	s.ctx, s.cancel = &runCtx{inner, inner.Done(), s}, cancel
	s.apply(e.running)
	e.scope = s
	return s.ctx, func() {
		e.scope = nil
		s.stop()
	}
}

// bounded runs f under a limited run: the one in progress, or one of its
// own when there is none and the engine has limits.
func (e *Engine) bounded(ctx context.Context, f func(context.Context) *Error) *Error {
	if e.scope == nil && e.running != (Limits{}) {
		var stop func()
		ctx, stop = e.Limit(ctx)
		defer stop()
	}
	lerr := f(ctx)
	if lerr != nil {
		if le := LimitExceeded(ctx); le != nil {
			return le
		}
	}
	return lerr
}

// narrow tightens the run in progress to what the engine now runs with
// (a script's header was admitted).
func (e *Engine) narrow() {
	if e.scope != nil {
		e.scope.apply(e.running)
	}
}

// apply (re)sets the run's limits: the clock still counts from the start.
func (s *scope) apply(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.lim = l
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if l.Timeout > 0 {
		msg := exceeded("time", FormatDuration(l.Timeout))
		s.timer = time.AfterFunc(time.Until(s.start.Add(l.Timeout)), func() { s.cancel(msg) })
	}
	switch {
	case l.Memory > 0 && s.heap == nil:
		s.heap = watchHeap(l.Memory, &s.ask, func(err error) { s.cancel(err) })
	case s.heap != nil:
		s.heap.setLimit(l.Memory)
	}
}

// exceed ends the run with the memory limit's error (a guard saw a call
// about to go past it).
func (s *scope) exceed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancel(exceeded("memory", FormatSize(s.lim.Memory, " ")))
}

func (s *scope) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	if s.timer != nil {
		s.timer.Stop()
	}
	if s.heap != nil {
		s.heap.stop()
	}
	s.cancel(nil)
}
