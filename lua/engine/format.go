package engine

import (
	"fmt"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"rewire/lua/conv"
)

// ColumnsKey is a metatable field a binding may set on a list it returns
// to give the column order print and the REPL use.
const ColumnsKey = "__columns"

// Format renders a value for print and the REPL: a list of records as
// aligned columns, other tables as `{ k = v, ... }`, userdata through
// __tostring.
func Format(L *lua.LState, v lua.LValue) string {
	if t, ok := v.(*lua.LTable); ok {
		if s, ok := formatRecords(L, t); ok {
			return s
		}
		return formatTable(L, t, 0)
	}
	return tostring(L, v)
}

func tostring(L *lua.LState, v lua.LValue) string {
	if mt, ok := L.GetMetatable(v).(*lua.LTable); ok {
		if fn, ok := mt.RawGetString("__tostring").(*lua.LFunction); ok {
			if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, v); err == nil {
				s := L.Get(-1).String()
				L.Pop(1)
				return s
			}
		}
	}
	switch x := v.(type) {
	case lua.LString:
		return string(x)
	case *lua.LUserData:
		return fmt.Sprintf("<%v>", x.Value)
	}
	return v.String()
}

// formatRecords lays out a non-empty list of tables with scalar (or
// scalar-list) fields as columns.
func formatRecords(L *lua.LState, t *lua.LTable) (string, bool) {
	n := t.Len()
	if n == 0 || countAll(t) != n {
		return "", false
	}
	var cols []string
	if mt, ok := L.GetMetatable(t).(*lua.LTable); ok {
		if c, ok := mt.RawGetString(ColumnsKey).(*lua.LTable); ok {
			for i := 1; i <= c.Len(); i++ {
				cols = append(cols, c.RawGetInt(i).String())
			}
		}
	}
	seen := map[string]bool{}
	rows := make([]map[string]string, 0, n)
	for i := 1; i <= n; i++ {
		rec, ok := t.RawGetInt(i).(*lua.LTable)
		if !ok {
			return "", false
		}
		row := map[string]string{}
		ok = true
		rec.ForEach(func(k, v lua.LValue) {
			cell, scalar := cellText(L, v)
			if !scalar {
				ok = false
			}
			row[k.String()] = cell
			seen[k.String()] = true
		})
		if !ok {
			return "", false
		}
		rows = append(rows, row)
	}
	if cols == nil {
		for k := range seen {
			cols = append(cols, k)
		}
		sort.Strings(cols)
	}
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = len(c)
		for _, r := range rows {
			widths[i] = max(widths[i], len(r[c]))
		}
	}
	var b strings.Builder
	line := func(cell func(int) string) {
		var parts []string
		for i := range cols {
			parts = append(parts, fmt.Sprintf("%-*s", widths[i], cell(i)))
		}
		b.WriteString(strings.TrimRight(strings.Join(parts, "  "), " "))
		b.WriteByte('\n')
	}
	line(func(i int) string { return cols[i] })
	for _, r := range rows {
		line(func(i int) string { return r[cols[i]] })
	}
	return strings.TrimSuffix(b.String(), "\n"), true
}

func cellText(L *lua.LState, v lua.LValue) (string, bool) {
	switch x := v.(type) {
	case *lua.LTable:
		var parts []string
		for i := 1; i <= x.Len(); i++ {
			e := x.RawGetInt(i)
			if _, nested := e.(*lua.LTable); nested {
				return "", false
			}
			parts = append(parts, tostring(L, e))
		}
		if len(parts) != countAll(x) {
			return "", false
		}
		return strings.Join(parts, " "), true
	case *lua.LFunction:
		return "", false
	}
	return tostring(L, v), true
}

func countAll(t *lua.LTable) int {
	n := 0
	t.ForEach(func(_, _ lua.LValue) { n++ })
	return n
}

func formatTable(L *lua.LState, t *lua.LTable, depth int) string {
	if depth > 6 {
		return "{...}"
	}
	if _, ok := L.GetMetatable(t).(*lua.LTable); ok {
		if s := tostring(L, t); !strings.HasPrefix(s, "table: ") {
			return s
		}
	}
	var keys []lua.LValue
	t.ForEach(func(k, _ lua.LValue) { keys = append(keys, k) })
	if len(keys) == 0 {
		return "{}"
	}
	n := t.Len()
	sort.SliceStable(keys, func(i, j int) bool {
		ni, iok := keys[i].(lua.LNumber)
		nj, jok := keys[j].(lua.LNumber)
		if iok && jok {
			return ni < nj
		}
		if iok != jok {
			return iok
		}
		return keys[i].String() < keys[j].String()
	})
	var parts []string
	total := 0
	for _, k := range keys {
		v := t.RawGet(k)
		var val string
		if sub, ok := v.(*lua.LTable); ok {
			val = formatTable(L, sub, depth+1)
		} else if s, ok := v.(lua.LString); ok {
			val = fmt.Sprintf("%q", string(s))
		} else {
			val = tostring(L, v)
		}
		if kn, ok := k.(lua.LNumber); ok && int(kn) >= 1 && int(kn) <= n {
			parts = append(parts, val)
		} else {
			parts = append(parts, fmt.Sprintf("%s = %s", k.String(), val))
		}
		total += len(parts[len(parts)-1])
	}
	if total < 72 && !strings.Contains(strings.Join(parts, ""), "\n") {
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	pad := strings.Repeat("  ", depth+1)
	return "{\n" + pad + strings.Join(parts, ",\n"+pad) + "\n" + strings.Repeat("  ", depth) + "}"
}

// Records converts a slice of Go records to a Lua list whose metatable
// carries the column order for print and the REPL.
func Records[T any](L *lua.LState, rows []T, columns []string) *lua.LTable {
	t := L.CreateTable(len(rows), 0)
	for _, r := range rows {
		t.Append(conv.ToLua(L, r))
	}
	mt := L.NewTable()
	cols := L.CreateTable(len(columns), 0)
	for _, c := range columns {
		cols.Append(lua.LString(c))
	}
	mt.RawSetString(ColumnsKey, cols)
	L.SetMetatable(t, mt)
	return t
}
