package engine

import (
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"
)

// A few library functions can allocate far more in one call than the
// script holds — string.rep("x", 1e12), a table.concat of one big string
// many times over — and a Go function cannot be stopped halfway, so the
// heap watcher would see it too late. Their guards work out what the call
// will allocate first and end the run if it would go past the memory
// limit. Calls smaller than guardFrom are left to the watcher.
const guardFrom = 1 << 20

// installGuards wraps those functions in the opened string and table
// libraries (string methods, ("x"):rep(n), go through the same table).
func (e *Engine) installGuards() {
	e.L.GetGlobal("string").(*lua.LTable).RawSetString("gsub", e.L.NewFunction(gsub))
	wrap := func(lib, name string, need func(L *lua.LState) float64) {
		t := e.L.GetGlobal(lib).(*lua.LTable)
		orig := t.RawGetString(name).(*lua.LFunction).GFunction
		t.RawSetString(name, e.L.NewFunction(func(L *lua.LState) int {
			e.room(L, need(L))
			return orig(L)
		}))
	}
	wrap("string", "rep", repNeeds)
	wrap("string", "format", formatNeeds)
	wrap("string", "gsub", e.gsubNeeds)
	wrap("table", "concat", concatNeeds)
}

// room lets a call about to allocate need bytes at once go on, or ends the
// run (and the call) when that would take the heap past the ceiling.
func (e *Engine) room(L *lua.LState, need float64) {
	s := e.scope
	if s == nil || s.heap == nil || need < guardFrom {
		return
	}
	if need > 1<<62 || s.heap.wouldPass(uint64(need)) {
		s.exceed()
		L.RaiseError("%s", LimitExceeded(s.ctx).Message)
	}
}

// fits says, from a sample only, whether need more bytes stay under the
// ceiling: a cheap first look before an exact count.
func (e *Engine) fits(need float64) bool {
	s := e.scope
	if s == nil || s.heap == nil || need < guardFrom {
		return true
	}
	return need < 1<<62 && heapObjects()+uint64(need) <= s.heap.ceiling.Load()
}

func repNeeds(L *lua.LState) float64 {
	return float64(len(L.CheckString(1))) * float64(L.CheckInt(2))
}

// formatNeeds also holds string.format to Lua's own rule, which
// gopher-lua leaves to Go's fmt: widths and precisions of two digits at
// most, so "%999999999d" cannot ask for a gigabyte of padding.
func formatNeeds(L *lua.LState) float64 {
	f := L.CheckString(1)
	need := float64(len(f))
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		if i++; i < len(f) && f[i] == '%' {
			continue
		}
		for i < len(f) && (f[i] == '-' || f[i] == '+' || f[i] == ' ' || f[i] == '#' || f[i] == '0') {
			i++
		}
		for _, part := range []bool{false, true} { // width, then .precision
			if part {
				if i >= len(f) || f[i] != '.' {
					break
				}
				i++
			}
			digits := 0
			for ; i < len(f) && f[i] >= '0' && f[i] <= '9'; i++ {
				digits++
			}
			if digits > 2 {
				L.RaiseError("invalid format (width or precision too long)")
			}
		}
		need += 200 // the widest a number, padded to 99, can print
	}
	for i := 2; i <= L.GetTop(); i++ {
		if s, ok := L.Get(i).(lua.LString); ok {
			need += float64(len(s))
		}
	}
	return need
}

// concatNeeds adds up the pieces table.concat(t, sep, i, j) will join.
func concatNeeds(L *lua.LState) float64 {
	t := L.CheckTable(1)
	sep := float64(len(L.OptString(2, "")))
	i, j := max(L.OptInt(3, 1), 1), min(L.OptInt(4, t.Len()), t.Len())
	var need float64
	for k := i; k <= j; k++ {
		need += sep
		switch v := t.RawGetInt(k).(type) {
		case lua.LString:
			need += float64(len(v))
		case lua.LNumber:
			need += 24
		}
	}
	return need
}

// gsubNeeds bounds what string.gsub(s, pat, repl, n) builds: a first,
// loose bound from the lengths alone, and when that does not fit, one
// from the matches themselves. A function as repl runs Lua for each
// match, which the watcher can stop; it is not counted.
func (e *Engine) gsubNeeds(L *lua.LState) float64 {
	s := L.CheckString(1)
	var perMatch func(start, end int) float64
	switch r := L.Get(3).(type) {
	case lua.LString:
		pct := float64(0)
		for i := 0; i < len(r); i++ {
			if r[i] == '%' {
				pct++
			}
		}
		perMatch = func(start, end int) float64 { return float64(len(r)) + pct*float64(end-start) }
	case *lua.LTable:
		longest := 0
		r.ForEach(func(_, v lua.LValue) {
			if sv, ok := v.(lua.LString); ok && len(sv) > longest {
				longest = len(sv)
			}
		})
		perMatch = func(int, int) float64 { return float64(longest) }
	default:
		return 0
	}
	loose := float64(len(s)) + float64(len(s)+1)*perMatch(0, len(s))
	if e.fits(loose) {
		return loose
	}
	matches, err := pm.Find(L.CheckString(2), readOnlyBytes(s), 0, L.OptInt(4, -1))
	if err != nil {
		return 0 // gsub itself reports the bad pattern
	}
	need := float64(len(s))
	for _, m := range matches {
		need += perMatch(m.Capture(0), m.Capture(1))
	}
	return need
}
