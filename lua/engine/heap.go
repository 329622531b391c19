package engine

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// gopher-lua has no allocator hook, so a memory limit watches the Go
// heap instead: sampled every watchEvery while a limited run is in
// progress (a script allocating flat out adds about 1 MiB a ms). A
// sample over the ceiling may be garbage, so the watcher asks the
// script's own goroutine to confirm it: at its next instruction (see
// runCtx) it collects, the script held, and what is left is what the
// script keeps — measured while it allocates on, the collector would
// count what it allocates meanwhile as live. After a confirmation that
// found it under, the next waits confirmEvery. The runtime's soft memory
// limit is lowered to just above the ceiling too, so the collector works
// harder near it rather than letting garbage double the heap.
const (
	watchEvery   = 2 * time.Millisecond
	confirmEvery = 10 * time.Millisecond
)

// runtimeOverhead is what the runtime holds beside heap objects — stacks,
// metadata, fragmentation — in a process the size of rewire's: the soft
// limit leaves room for it above the ceiling.
const runtimeOverhead = 16 << 20

// heapWatch is the memory side of one limited run.
type heapWatch struct {
	base      uint64 // heap in use at rest when the run began: not the script's
	limit     atomic.Int64
	ceiling   atomic.Uint64 // base + limit
	ask       *atomic.Bool  // set: the script's goroutine is to confirm
	confirmed atomic.Int64  // when it last did, UnixNano
	trip      func(error)
	done      chan struct{}
	once      sync.Once
	restore   func()
}

// watchHeap measures the heap at rest and watches it until stop; it sets
// ask when the script's goroutine is to call confirm; trip ends the run
// with the limit's error.
func watchHeap(limit int64, ask *atomic.Bool, trip func(error)) *heapWatch {
	runtime.GC() // what is live now is the engine's, not the script's
	w := &heapWatch{base: heapObjects(), ask: ask, trip: trip, done: make(chan struct{})}
	w.restore = holdSoftLimit()
	w.setLimit(limit)
	go w.watch()
	return w
}

func (w *heapWatch) setLimit(limit int64) {
	w.limit.Store(limit)
	w.ceiling.Store(w.base + uint64(limit))
	lowerSoftLimit(int64(w.ceiling.Load() + runtimeOverhead))
}

func (w *heapWatch) watch() {
	t := time.NewTicker(watchEvery)
	defer t.Stop()
	for {
		select {
		case <-w.done:
			return
		case <-t.C:
		}
		if heapObjects() > w.ceiling.Load() && time.Since(time.Unix(0, w.confirmed.Load())) >= confirmEvery {
			w.ask.Store(true)
		}
	}
}

// confirm runs on the script's goroutine, between two instructions: a
// collection, the script held, then the heap against the ceiling.
func (w *heapWatch) confirm() {
	runtime.GC()
	if heapObjects() > w.ceiling.Load() {
		w.exceeded()
	}
	w.confirmed.Store(time.Now().UnixNano())
}

// wouldPass says whether need more bytes would take the heap past the
// ceiling, for a guard (on the script's goroutine): when a sample says
// so, a collection that holds the script tells.
func (w *heapWatch) wouldPass(need uint64) bool {
	c := w.ceiling.Load()
	if heapObjects()+need <= c {
		return false
	}
	runtime.GC()
	return heapObjects()+need > c
}

func (w *heapWatch) exceeded() {
	w.trip(exceeded("memory", FormatSize(w.limit.Load(), " ")))
}

func (w *heapWatch) stop() {
	w.once.Do(func() {
		close(w.done)
		w.restore()
	})
}

// heapObjects reads the bytes in heap objects, live and dead not yet
// swept: no stop-the-world, well under a µs.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// soft is the runtime's soft memory limit while limited runs are in
// progress: the lowest any of them asks, the previous one restored after.
var soft struct {
	sync.Mutex
	runs int
	prev int64
}

// holdSoftLimit notes a run that will lower the soft limit; restore puts
// back the one from before the first run when the last one ends.
func holdSoftLimit() (restore func()) {
	soft.Lock()
	defer soft.Unlock()
	if soft.runs == 0 {
		soft.prev = debug.SetMemoryLimit(-1)
	}
	soft.runs++
	return func() {
		soft.Lock()
		defer soft.Unlock()
		if soft.runs--; soft.runs == 0 {
			debug.SetMemoryLimit(soft.prev)
		}
	}
}

// lowerSoftLimit sets the runtime's soft limit to bytes, unless it is lower.
func lowerSoftLimit(bytes int64) {
	soft.Lock()
	defer soft.Unlock()
	if bytes < debug.SetMemoryLimit(-1) {
		debug.SetMemoryLimit(bytes)
	}
}
