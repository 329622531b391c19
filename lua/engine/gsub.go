package engine

import (
	"fmt"
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"
)

// gsub is gopher-lua's string.gsub, same matches, same replacements,
// built in one pass: the stock one copies the whole string again for
// each match, so one call over a few MB runs for minutes inside Go,
// where no time limit reaches it.
func gsub(L *lua.LState) int {
	str := L.CheckString(1)
	pat := L.CheckString(2)
	L.CheckTypes(3, lua.LTString, lua.LTTable, lua.LTFunction)
	repl := L.CheckAny(3)
	matches, err := pm.Find(pat, readOnlyBytes(str), 0, L.OptInt(4, -1))
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	if len(matches) == 0 {
		L.SetTop(1)
		L.Push(lua.LNumber(0))
		return 2
	}
	var b strings.Builder
	prev := 0
	for _, m := range matches {
		start, end := m.Capture(0), m.Capture(1)
		b.WriteString(str[prev:start])
		if v, ok := replacement(L, str, m, repl); ok {
			b.WriteString(v)
		} else {
			b.WriteString(str[start:end])
		}
		prev = end
	}
	b.WriteString(str[prev:])
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(len(matches)))
	return 2
}

// replacement is what match m of str becomes; ok false keeps it as is (a
// table or function gave false or nil).
func replacement(L *lua.LState, str string, m *pm.MatchData, repl lua.LValue) (string, bool) {
	switch r := repl.(type) {
	case lua.LString:
		return expand(L, string(r), str, m), true
	case *lua.LTable:
		idx := 0
		if m.CaptureLength() > 2 { // the first capture, else the whole match
			idx = 2
		}
		var v lua.LValue
		if m.IsPosCapture(idx) {
			v = L.GetTable(r, lua.LNumber(m.Capture(idx)))
		} else {
			v = L.GetField(r, str[m.Capture(idx):m.Capture(idx+1)])
		}
		return lua.LVAsString(v), !lua.LVIsFalse(v)
	case *lua.LFunction:
		L.Push(r)
		nargs := 0
		for i := 2; i < m.CaptureLength(); i += 2 {
			L.Push(captureValue(L, str, m, i))
			nargs++
		}
		if nargs == 0 {
			L.Push(lua.LString(capture(L, str, m, 0)))
			nargs++
		}
		L.Call(nargs, 1)
		v := L.Get(-1)
		L.Pop(1)
		return lua.LVAsString(v), !lua.LVIsFalse(v)
	}
	return "", false
}

// expand writes a string replacement: %0-%9 the captures, %% a percent,
// any other % as it stands (as gopher-lua does).
func expand(L *lua.LState, repl, str string, m *pm.MatchData) string {
	if !strings.Contains(repl, "%") {
		return repl
	}
	b := make([]byte, 0, len(repl))
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '%' || i == len(repl)-1 {
			b = append(b, c)
			continue
		}
		i++
		switch d := repl[i]; {
		case d == '%':
			b = append(b, '%')
		case d >= '0' && d <= '9':
			b = append(b, capture(L, str, m, 2*int(d-'0'))...)
		default:
			b = append(b, '%', d)
		}
	}
	return string(b)
}

// capture is capture idx/2 of m as a string: %1 without captures is the
// whole match, a position capture its number.
func capture(L *lua.LState, str string, m *pm.MatchData, idx int) string {
	if idx > 2 && idx >= m.CaptureLength() {
		L.RaiseError("invalid capture index")
	}
	if idx == 2 && idx >= m.CaptureLength() {
		idx = 0
	}
	if m.IsPosCapture(idx) {
		return fmt.Sprint(m.Capture(idx))
	}
	return str[m.Capture(idx):m.Capture(idx+1)]
}

func captureValue(L *lua.LState, str string, m *pm.MatchData, idx int) lua.LValue {
	if m.IsPosCapture(idx) {
		return lua.LNumber(m.Capture(idx))
	}
	return lua.LString(capture(L, str, m, idx))
}

// readOnlyBytes is s without a copy, for the matcher, which only reads.
func readOnlyBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
