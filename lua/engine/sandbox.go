package engine

import (
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// unsafeBase are base-library functions a shared script must not have:
// they read files or reach past the sandbox.
var unsafeBase = []string{"dofile", "loadfile", "module", "_printregs", "require"}

// openSandbox opens only the safe standard libraries — base, table,
// string, math — and a restricted os (time, date, clock, getenv,
// difftime). There is no io, no os.execute, no io.popen, no loadlib.
func (e *Engine) openSandbox() {
	L := e.L
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	for _, name := range unsafeBase {
		L.SetGlobal(name, lua.LNil)
	}
	os := L.NewTable()
	L.SetFuncs(os, map[string]lua.LGFunction{
		"time":     osTime,
		"clock":    osClock,
		"date":     osDate,
		"getenv":   osGetenv,
		"difftime": osDifftime,
	})
	L.SetGlobal("os", os)
}

var start = time.Now()

func osTime(L *lua.LState) int {
	L.Push(lua.LNumber(time.Now().Unix()))
	return 1
}

func osClock(L *lua.LState) int {
	L.Push(lua.LNumber(time.Since(start).Seconds()))
	return 1
}

func osDifftime(L *lua.LState) int {
	L.Push(lua.LNumber(L.CheckNumber(1) - L.OptNumber(2, 0)))
	return 1
}

func osGetenv(L *lua.LState) int {
	v, ok := os.LookupEnv(L.CheckString(1))
	if !ok {
		L.Push(lua.LNil)
	} else {
		L.Push(lua.LString(v))
	}
	return 1
}

// osDate supports the common strftime-like forms and "*t".
func osDate(L *lua.LState) int {
	format := L.OptString(1, "%c")
	t := time.Now()
	if L.GetTop() >= 2 {
		t = time.Unix(int64(L.CheckNumber(2)), 0)
	}
	if len(format) > 0 && format[0] == '!' {
		format, t = format[1:], t.UTC()
	}
	if format == "*t" {
		tb := L.NewTable()
		for k, v := range map[string]int{"year": t.Year(), "month": int(t.Month()), "day": t.Day(),
			"hour": t.Hour(), "min": t.Minute(), "sec": t.Second(), "wday": int(t.Weekday()) + 1, "yday": t.YearDay()} {
			tb.RawSetString(k, lua.LNumber(v))
		}
		L.Push(tb)
		return 1
	}
	repl := map[byte]string{'Y': "2006", 'm': "01", 'd': "02", 'H': "15", 'M': "04", 'S': "05",
		'y': "06", 'b': "Jan", 'a': "Mon", 'p': "PM", 'c': "Mon Jan  2 15:04:05 2006", 'F': "2006-01-02", 'T': "15:04:05"}
	var out []byte
	for i := 0; i < len(format); i++ {
		if format[i] == '%' && i+1 < len(format) {
			if layout, ok := repl[format[i+1]]; ok {
				out = append(out, t.Format(layout)...)
				i++
				continue
			}
		}
		out = append(out, format[i])
	}
	L.Push(lua.LString(out))
	return 1
}
