package engine

import (
	"context"
	"io"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// BenchmarkLuaToGoCall is one call from a recipe into a module function,
// the path every binding call takes (`rewire bench` reports it too).
func BenchmarkLuaToGoCall(b *testing.B) {
	e := New(io.Discard, Module{Name: "benchmod", Doc: "bench", Funcs: []Func{
		{Name: "noop", Doc: "does nothing", Fn: func(L *lua.LState) int { return 0 }},
	}})
	defer e.Close()
	if err := e.DoString(context.Background(), "f = benchmod.noop", "bench"); err != nil {
		b.Fatal(err)
	}
	fn := e.L.GetGlobal("f")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := e.L.CallByParam(lua.P{Fn: fn, NRet: 0, Protect: true}, lua.LNumber(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLuaLoopOfGoCalls is the same call made from a Lua loop, as a
// recipe makes it: no Go -> Lua transition per call.
func BenchmarkLuaLoopOfGoCalls(b *testing.B) {
	e := New(io.Discard, Module{Name: "benchmod", Doc: "bench", Funcs: []Func{
		{Name: "noop", Doc: "does nothing", Fn: func(L *lua.LState) int { return 0 }},
	}})
	defer e.Close()
	e.L.SetGlobal("N", lua.LNumber(b.N))
	b.ResetTimer()
	if err := e.DoString(context.Background(), "local f = benchmod.noop; for i = 1, N do f(i) end", "bench"); err != nil {
		b.Fatal(err)
	}
}
