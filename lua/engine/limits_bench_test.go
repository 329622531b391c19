package engine

import (
	"context"
	"io"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// BenchmarkLuaLoopOfGoCallsLimited is BenchmarkLuaLoopOfGoCalls inside a
// run with both limits: the heap watcher and the timer run beside the
// script, never on its call path, so it should match the loop under a
// cancellable context without limits (what `rewire run` gave it before:
// Ctrl-C's), below.
func BenchmarkLuaLoopOfGoCallsLimited(b *testing.B) {
	benchLoop(b, Limits{Memory: 1 << 30, Timeout: time.Hour})
}

func BenchmarkLuaLoopOfGoCallsCancellable(b *testing.B) { benchLoop(b, Limits{}) }

func benchLoop(b *testing.B, l Limits) {
	e := New(io.Discard, Module{Name: "benchmod", Doc: "bench", Funcs: []Func{
		{Name: "noop", Doc: "does nothing", Fn: func(L *lua.LState) int { return 0 }},
	}})
	defer e.Close()
	e.SetLimits(l)
	ctx, stop := e.Limit(context.Background())
	defer stop()
	e.L.SetGlobal("N", lua.LNumber(b.N))
	b.ResetTimer()
	if err := e.DoString(ctx, "local f = benchmod.noop; for i = 1, N do f(i) end", "bench"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStringRepGuarded is one small string.rep through its guard.
func BenchmarkStringRepGuarded(b *testing.B) {
	e := New(io.Discard)
	defer e.Close()
	e.SetLimits(Limits{Memory: 1 << 30})
	ctx, stop := e.Limit(context.Background())
	defer stop()
	e.L.SetGlobal("N", lua.LNumber(b.N))
	b.ResetTimer()
	if err := e.DoString(ctx, `local rep = string.rep for i = 1, N do rep("ab", 8) end`, "bench"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStringRepStock is the same loop on gopher-lua's own string.rep.
func BenchmarkStringRepStock(b *testing.B) {
	L := lua.NewState()
	defer L.Close()
	L.SetContext(context.Background())
	L.SetGlobal("N", lua.LNumber(b.N))
	b.ResetTimer()
	if err := L.DoString(`local rep = string.rep for i = 1, N do rep("ab", 8) end`); err != nil {
		b.Fatal(err)
	}
}
