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
// progress (a script allocating flat out adds about 1 MiB a ms), with a
// forced collection before it calls the limit exceeded, so garbage does
// not count. The runtime's soft memory limit is lowered to the ceiling
// too, so the collector works harder near it rather than letting the
// heap double first.
const watchEvery = 2 * time.Millisecond

// heapWatch is the memory side of one limited run.
type heapWatch struct {
	base    uint64 // heap in use at rest when the run began: not the script's
	total   uint64 // all the runtime's memory then, for the soft limit
	limit   atomic.Int64
	ceiling atomic.Uint64 // base + limit
	trip    func(error)
	done    chan struct{}
	once    sync.Once
	restore func()
}

// watchHeap measures the heap at rest and watches it until stop; trip is
// called once, with the limit's error, when the run goes past it.
func watchHeap(limit int64, trip func(error)) *heapWatch {
	runtime.GC() // what is live now is the engine's, not the script's
	objects, total := heapNow()
	w := &heapWatch{base: objects, total: total, trip: trip, done: make(chan struct{})}
	w.restore = softLimit(int64(total) + limit)
	w.setLimit(limit)
	go w.watch()
	return w
}

func (w *heapWatch) setLimit(limit int64) {
	w.limit.Store(limit)
	w.ceiling.Store(w.base + uint64(limit))
	lowerSoftLimit(int64(w.total) + limit)
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
		if w.over(0) {
			w.exceeded()
			return
		}
	}
}

// over says whether need more bytes would take the heap past the ceiling;
// a sample over it is confirmed after a collection.
func (w *heapWatch) over(need uint64) bool {
	c := w.ceiling.Load()
	if objects, _ := heapNow(); objects+need <= c {
		return false
	}
	runtime.GC()
	objects, _ := heapNow()
	return objects+need > c
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

// heapNow reads the bytes in heap objects (live, and dead not yet swept)
// and all the runtime holds; no stop-the-world, well under a µs.
func heapNow() (objects, total uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

// soft is the runtime's soft memory limit while limited runs are in
// progress: the lowest any of them asks, the previous one restored after.
var soft struct {
	sync.Mutex
	runs int
	prev int64
}

func softLimit(bytes int64) (restore func()) {
	soft.Lock()
	if soft.runs == 0 {
		soft.prev = debug.SetMemoryLimit(-1)
	}
	soft.runs++
	soft.Unlock()
	lowerSoftLimit(bytes)
	return func() {
		soft.Lock()
		defer soft.Unlock()
		if soft.runs--; soft.runs == 0 {
			debug.SetMemoryLimit(soft.prev)
		}
	}
}

func lowerSoftLimit(bytes int64) {
	soft.Lock()
	defer soft.Unlock()
	if bytes < debug.SetMemoryLimit(-1) {
		debug.SetMemoryLimit(bytes)
	}
}
