package engine

import (
	"bytes"
	"context"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const bomb = `local t = {} while true do t[#t+1] = string.rep("x", 1e6) end`

// within runs f, failing the test if it does not return in a minute: a
// limit that does not work must not hang the suite.
func within(t *testing.T, f func() *Error) *Error {
	t.Helper()
	done := make(chan *Error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatal("the script was not stopped within a minute")
		return nil
	}
}

// peakHeap samples the heap until stop is called, for the highest it saw.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		for {
			if o := heapObjects(); o > peak.Load() {
				peak.Store(o)
			}
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); return peak.Load() }
}

func wantLimit(t *testing.T, err *Error, msg string) {
	t.Helper()
	if err == nil || err.Kind != KindLimit || err.Error() != msg {
		t.Fatalf("want a %q error %q, got %#v", KindLimit, msg, err)
	}
}

func TestMemoryBombEndsAtTheCeiling(t *testing.T) {
	e := New(nil)
	defer e.Close()
	e.SetLimits(Limits{Memory: 256 << 20})
	runtime.GC()
	base := heapObjects()
	stop := peakHeap()
	start := time.Now()
	err := within(t, func() *Error { return e.DoString(context.Background(), bomb, "bomb.lua") })
	took, peak := time.Since(start), stop()
	wantLimit(t, err, "script exceeded its memory limit (256 MiB)")
	t.Logf("heap at rest %.1f MiB; stopped after %v at a peak of %.1f MiB", mib(base), took, mib(peak))
	// A sample every 2 ms lets a flat-out script a few MiB past the ceiling.
	if over := int64(peak) - int64(base) - 256<<20; over > 32<<20 {
		t.Fatalf("the heap went %.1f MiB past the ceiling", mib(uint64(over)))
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func TestEndlessLoopEndsAtTheTimeLimit(t *testing.T) {
	e := New(nil)
	defer e.Close()
	e.SetLimits(Limits{Timeout: 200 * time.Millisecond})
	start := time.Now()
	err := within(t, func() *Error { return e.DoString(context.Background(), "while true do end", "loop.lua") })
	wantLimit(t, err, "script exceeded its time limit (200ms)")
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Fatalf("stopped after %v, before its limit", took)
	}
	// pcall cannot keep a script past its limit.
	err = within(t, func() *Error {
		return e.DoString(context.Background(), "while true do pcall(function() while true do end end) end", "loop.lua")
	})
	wantLimit(t, err, "script exceeded its time limit (200ms)")
}

// The limit is the run's, not each call's: a script and its checks share
// the clock (0.2 s each, under 0.3 s for both), and a check past it ends
// the run as a limit, not as a failed check.
func TestTimeLimitBoundsChecksInTheSameRun(t *testing.T) {
	e := New(nil)
	defer e.Close()
	e.SetLimits(Limits{Timeout: 300 * time.Millisecond})
	ctx, stop := e.Limit(context.Background())
	defer stop()
	src := `local function busy(s) local t0 = os.clock() while os.clock() - t0 < s do end end
		busy(0.2)
		check("quick", function() return true end)
		check("slow", function() busy(0.2) return true end)
		check("never runs", function() return true end)`
	if err := e.DoString(ctx, src, "s.lua"); err != nil {
		t.Fatal(err)
	}
	var res []CheckResult
	var ok bool
	within(t, func() *Error { res, ok = e.RunChecks(ctx); return nil })
	if ok || len(res) != 2 || !res[0].OK || res[1].Err != "script exceeded its time limit (300ms)" {
		t.Fatalf("checks: %v %+v", ok, res)
	}
	wantLimit(t, LimitExceeded(ctx), "script exceeded its time limit (300ms)")
}

// Checks run on their own (no run in progress) get the limit too.
func TestChecksAloneAreBounded(t *testing.T) {
	e := New(nil)
	defer e.Close()
	e.SetLimits(Limits{Timeout: 100 * time.Millisecond})
	if err, _ := run(t, e, `check("spins", function() while true do end end)`); err != nil {
		t.Fatal(err)
	}
	var res []CheckResult
	var ok bool
	within(t, func() *Error { res, ok = e.RunChecks(context.Background()); return nil })
	if ok || len(res) != 1 || res[0].Err != "script exceeded its time limit (100ms)" {
		t.Fatalf("checks: %v %+v", ok, res)
	}
}

func TestRequiredModuleBombEndsAtTheCeiling(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, dir, "grow.lua", "local M = {}\n"+bomb+"\nreturn M\n")
	p := writeScript(t, dir, "main.lua", "-- rewire: memory=64MiB\nlocal ok, e = pcall(require, 'grow')\nprint('caught', ok)\n")
	e := New(nil)
	defer e.Close()
	var out bytes.Buffer
	e.Out = &out
	e.SetLimits(Limits{Memory: 256 << 20})
	err := within(t, func() *Error { return e.DoFile(context.Background(), p, nil) })
	wantLimit(t, err, "script exceeded its memory limit (64 MiB)")
	if out.Len() != 0 {
		t.Fatalf("the script went on after its limit: %q", out.String())
	}
}

func TestHeaderAsksForLessAndGetsIt(t *testing.T) {
	dir := t.TempDir()
	e := New(nil)
	defer e.Close()
	e.SetLimits(Limits{Memory: 1 << 30})
	p := writeScript(t, dir, "loop.lua", "-- rewire: timeout=150ms memory=96MiB\nwhile true do end\n")
	err := within(t, func() *Error { return e.DoFile(context.Background(), p, nil) })
	wantLimit(t, err, "script exceeded its time limit (150ms)")
	if got := e.Limits(); got != (Limits{Memory: 96 << 20, Timeout: 150 * time.Millisecond}) {
		t.Fatalf("running with %+v", got)
	}
	e.SetLimits(Limits{Memory: 1 << 30})
	p = writeScript(t, dir, "bomb.lua", "-- rewire: memory=96MiB\n"+bomb+"\n")
	err = within(t, func() *Error { return e.DoFile(context.Background(), p, nil) })
	wantLimit(t, err, "script exceeded its memory limit (96 MiB)")
}

func TestHeaderAskingMoreThanGrantedIsRefusedBeforeItRuns(t *testing.T) {
	dir := t.TempDir()
	e := New(nil)
	defer e.Close()
	var out bytes.Buffer
	e.Out = &out
	e.SetLimits(Limits{Memory: 256 << 20, Timeout: 30 * time.Second})
	for src, want := range map[string]string{
		"-- rewire: memory=1GiB\nprint('ran')\n": "run share.lua: the script asks for memory=1GiB, more than the memory=256MiB granted; rerun with --memory 1GiB if you trust it",
		"-- rewire: timeout=2m memory=512MiB\nprint('ran')\n": "run share.lua: the script asks for timeout=2m memory=512MiB, more than the timeout=30s memory=256MiB granted; " +
			"rerun with --timeout 2m --memory 512MiB if you trust it",
	} {
		err := e.DoFile(context.Background(), writeScript(t, dir, "share.lua", src), nil)
		if err == nil || err.Kind != KindDenied || err.Error() != want {
			t.Fatalf("got  %#v\nwant %q", err, want)
		}
	}
	if out.Len() != 0 {
		t.Fatalf("a refused script ran: %q", out.String())
	}
	// No --timeout: any timeout a header asks for is less.
	e.SetLimits(Limits{Memory: 256 << 20})
	if err := e.DoFile(context.Background(), writeScript(t, dir, "ok.lua", "-- rewire: timeout=1h\nprint('ran')\n"), nil); err != nil || out.String() != "ran\n" {
		t.Fatalf("%v %q", err, out.String())
	}
}

func TestModuleCannotLiftTheLimits(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, dir, "greedy.lua", "-- rewire: memory=512MiB\nreturn {}\n")
	writeScript(t, dir, "modest.lua", "-- rewire: memory=16MiB\nreturn {}\n")
	p := writeScript(t, dir, "main.lua", "-- rewire: memory=128MiB\nrequire 'modest'\nrequire 'greedy'\n")
	e := New(nil)
	defer e.Close()
	e.SetLimits(Limits{Memory: 1 << 30})
	err := e.DoFile(context.Background(), p, nil)
	want := "main.lua:3: require greedy: the module asks for memory=512MiB, more than the script runs with (memory=128MiB)"
	if err == nil || err.Kind != KindDenied || err.Error() != want {
		t.Fatalf("got  %#v\nwant %q", err, want)
	}
}

// One call that would allocate past the ceiling is stopped before it
// allocates, at once, and pcall cannot keep the script going.
func TestGuardsStopOneHugeCall(t *testing.T) {
	e := New(nil)
	defer e.Close()
	e.SetLimits(Limits{Memory: 256 << 20})
	for _, src := range []string{
		`local s = string.rep("x", 1e12)`,
		`local s = ("xy"):rep(2^40)`,
		`local ok = pcall(string.rep, "x", 1e12) print(ok)`,
		`local s, t = string.rep("x", 1e8), {} for i = 1, 100 do t[i] = s end local all = table.concat(t)`,
		`local s = string.rep("x", 1e5) local r = s:gsub(".", s)`,
		`local s = string.rep("x", 1e5) local r = s:gsub(".", { x = s })`,
		`local s = string.rep("x", 1e7) local r = string.format(string.rep("%s", 200), unpack((function() local t = {} for i = 1, 200 do t[i] = s end return t end)()))`,
	} {
		runtime.GC()
		base := heapObjects()
		stop := peakHeap()
		start := time.Now()
		err, out := run(t, e, src)
		took, peak := time.Since(start), stop()
		wantLimit(t, err, "script exceeded its memory limit (256 MiB)")
		if out != "" || int64(peak)-int64(base) > 300<<20 {
			t.Fatalf("%s: printed %q, heap grew %.0f MiB", src, out, mib(peak-base))
		}
		t.Logf("%s: stopped after %v", src, took)
	}
	// What fits goes through the guards untouched. (gopher-lua's gsub
	// copies the whole string for each match: keep that one short.)
	if err, out := run(t, e, `local s = string.rep("ab", 3e6) print(#s, #table.concat({s, s}, ","), #s:sub(1, 2000):gsub("a", "%0%0"), #string.format("%5s|%-3d", "x", 7))`); err != nil || out != "6000000\t12000001\t3000\t9\n" {
		t.Fatalf("%v %q", err, out)
	}
}

// Lua's own rule, which gopher-lua leaves to Go's fmt: two digits of
// width and precision at most. It holds with or without a limit.
func TestFormatWidthIsLuas(t *testing.T) {
	e := New(nil)
	defer e.Close()
	err, _ := run(t, e, `return string.format("%999999999d", 1)`)
	if err == nil || !strings.Contains(err.Error(), "invalid format (width or precision too long)") {
		t.Fatalf("got %v", err)
	}
	if err, out := run(t, e, `print(string.format("%99.99f|%%|%-5s|", 1, "ab"):sub(-12))`); err != nil || out != "000|%|ab   |\n" {
		t.Fatalf("%v %q", err, out)
	}
}

// Garbage is not the script's: a script that allocates many times its
// ceiling but keeps little runs to its end.
func TestGarbageDoesNotCount(t *testing.T) {
	e := New(nil)
	defer e.Close()
	e.SetLimits(Limits{Memory: 64 << 20})
	err, out := run(t, e, `local n = 0 for i = 1, 400 do local s = string.rep("x", 1e6) n = n + #s end print(n)`)
	if err != nil || out != "400000000\n" {
		t.Fatalf("%v %q", err, out)
	}
	// Nor when what it keeps is near the ceiling.
	err, out = run(t, e, `local keep = string.rep("k", 48e6) for i = 1, 300 do local s = string.rep("x", 1e6) end print(#keep)`)
	if err != nil || out != "48000000\n" {
		t.Fatalf("near the ceiling: %v %q", err, out)
	}
}

// A run's end restores what it changed in the runtime.
func TestSoftMemoryLimitIsRestored(t *testing.T) {
	e := New(nil)
	defer e.Close()
	before := softLimitNow()
	e.SetLimits(Limits{Memory: 64 << 20})
	ctx, stop := e.Limit(context.Background())
	during := softLimitNow()
	if err := e.DoString(ctx, "x = 1", "t.lua"); err != nil {
		t.Fatal(err)
	}
	stop()
	if during >= before || softLimitNow() != before {
		t.Fatalf("soft limit before %d, during %d, after %d", before, during, softLimitNow())
	}
}

func TestSizesAndDurationsReadAsWritten(t *testing.T) {
	for in, want := range map[string]int64{"256MiB": 256 << 20, "1GiB": 1 << 30, "1.5G": 3 << 29, "512k": 512 << 10,
		"100MB": 100e6, "4096": 4096, "none": 0, "0": 0, " 2 GiB": 2 << 30} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "12x", "-1MiB", "1e40GiB", "MiB"} {
		if _, err := ParseSize(bad); err == nil || KindOf(err) != KindInvalid {
			t.Errorf("ParseSize(%q): %v", bad, err)
		}
	}
	for n, want := range map[int64]string{256 << 20: "256 MiB", 1 << 30: "1 GiB", 3 << 29: "1536 MiB", 100e6: "100000000 B"} {
		if got := FormatSize(n, " "); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{30 * time.Second: "30s", 2 * time.Minute: "2m", time.Hour: "1h",
		90 * time.Minute: "1h30m", 1500 * time.Millisecond: "1.5s", 200 * time.Millisecond: "200ms"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestHeaderReadsLimitsBesideCapabilities(t *testing.T) {
	h, err := ParseHeader("#!/usr/bin/env rewire\n-- rewire: allow=files timeout=30s\n-- rewire: memory=128MiB\nprint(1)\n-- rewire: memory=1GiB\n")
	if err != nil || h.Allow.String() != "files" || h.Limits != (Limits{Memory: 128 << 20, Timeout: 30 * time.Second}) {
		t.Fatalf("%+v %v", h, err)
	}
	for src, want := range map[string]string{
		"-- rewire: timeout=none": `line 1: bad timeout "none"`,
		"-- rewire: timeout=-1s":  `line 1: bad timeout "-1s"`,
		"-- rewire: memory=none":  `line 1: bad memory "none"`,
		"-- rewire: memory=lots":  `line 1: bad memory "lots"`,
		"-- rewire: mem=1GiB":     `line 1: unknown header key "mem" (a header reads: -- rewire: allow=exec,files,net timeout=30s memory=128MiB)`,
	} {
		if _, err := ParseHeader(src); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", src, err, want)
		}
	}
}

func softLimitNow() int64 { return debug.SetMemoryLimit(-1) }

// Outside a run (the REPL calls statement by statement) each call gets
// the limits of its own, and the state goes on after one went past.
func TestEachCallIsBoundedOnItsOwn(t *testing.T) {
	e := New(nil)
	defer e.Close()
	e.SetLimits(Limits{Memory: 128 << 20, Timeout: 300 * time.Millisecond})
	err := within(t, func() *Error {
		return e.DoString(context.Background(), `t = {} while true do t[#t+1] = string.rep("x", 1e6) end`, "stmt")
	})
	wantLimit(t, err, "script exceeded its memory limit (128 MiB)")
	if err, out := run(t, e, "print(#t > 100) t = nil"); err != nil || out != "true\n" {
		t.Fatalf("after the memory limit: %v %q", err, out)
	}
	err = within(t, func() *Error { return e.DoString(context.Background(), "while true do end", "stmt") })
	wantLimit(t, err, "script exceeded its time limit (300ms)")
	// Four statements of 0.12 s each: each within its own 0.3 s.
	for i := 0; i < 4; i++ {
		if err, _ := run(t, e, "local t0 = os.clock() while os.clock() - t0 < 0.12 do end"); err != nil {
			t.Fatalf("statement %d: %v", i, err)
		}
	}
}
