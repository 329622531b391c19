// Package conv converts between Go values and plain Lua tables: bindings
// take tables in and hand tables out, never userdata for data.
package conv

import (
	"encoding/json"
	"fmt"
	"net"
	"reflect"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/errkind"
)

// ToLua converts a Go value to Lua. Structs become tables keyed by their
// `json` tag names (so the Go API, `--json` output and Lua agree); slices
// become arrays; maps become tables; nil and zero pointers become nil.
func ToLua(L *lua.LState, v any) lua.LValue {
	if v == nil {
		return lua.LNil
	}
	if lv, ok := v.(lua.LValue); ok {
		return lv
	}
	return toLua(L, reflect.ValueOf(v))
}

var (
	ipType  = reflect.TypeOf(net.IP{})
	macType = reflect.TypeOf(net.HardwareAddr{})
)

func toLua(L *lua.LState, v reflect.Value) lua.LValue {
	if !v.IsValid() {
		return lua.LNil
	}
	switch v.Type() {
	case ipType, macType:
		if v.Len() == 0 {
			return lua.LNil
		}
		return lua.LString(v.Interface().(fmt.Stringer).String())
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return lua.LNil
		}
		return toLua(L, v.Elem())
	case reflect.Bool:
		return lua.LBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return lua.LNumber(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return lua.LNumber(v.Uint())
	case reflect.Float32, reflect.Float64:
		return lua.LNumber(v.Float())
	case reflect.String:
		return lua.LString(v.String())
	case reflect.Slice, reflect.Array:
		t := L.CreateTable(v.Len(), 0)
		for i := 0; i < v.Len(); i++ {
			t.Append(toLua(L, v.Index(i)))
		}
		return t
	case reflect.Map:
		t := L.CreateTable(0, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			t.RawSet(toLua(L, iter.Key()), toLua(L, iter.Value()))
		}
		return t
	case reflect.Struct:
		t := L.CreateTable(0, v.NumField())
		structToTable(L, t, v)
		return t
	}
	return lua.LString(fmt.Sprint(v.Interface()))
}

func structToTable(L *lua.LState, t *lua.LTable, v reflect.Value) {
	typ := v.Type()
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		if f.Tag.Get("json") == "-" {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			structToTable(L, t, v.Field(i))
			continue
		}
		name, omitempty := fieldName(f)
		if name == "-" {
			continue
		}
		fv := v.Field(i)
		if omitempty && fv.IsZero() {
			continue
		}
		t.RawSetString(name, toLua(L, fv))
	}
}

func fieldName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	if tag == "" {
		return strings.ToLower(f.Name), false
	}
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return name, strings.Contains(opts, "omitempty")
}

// FromLua converts a Lua value to plain Go: tables with only 1..n keys
// become []any, other tables map[string]any.
func FromLua(v lua.LValue) any {
	switch x := v.(type) {
	case *lua.LNilType:
		return nil
	case lua.LBool:
		return bool(x)
	case lua.LNumber:
		if float64(x) == float64(int64(x)) {
			return int64(x)
		}
		return float64(x)
	case lua.LString:
		return string(x)
	case *lua.LTable:
		if n := x.MaxN(); n > 0 && countKeys(x) == n {
			arr := make([]any, 0, n)
			for i := 1; i <= n; i++ {
				arr = append(arr, FromLua(x.RawGetInt(i)))
			}
			return arr
		}
		m := map[string]any{}
		x.ForEach(func(k, val lua.LValue) { m[k.String()] = FromLua(val) })
		return m
	}
	return v.String()
}

func countKeys(t *lua.LTable) int {
	n := 0
	t.ForEach(func(_, _ lua.LValue) { n++ })
	return n
}

// Decode fills a Go struct (by json tags) from a Lua table, through JSON,
// so a table with a key the struct does not have is rejected by name.
func Decode(t *lua.LTable, out any) error {
	b, err := json.Marshal(FromLua(t))
	if err != nil {
		return errkind.Invalid("bad option: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return errkind.Invalid("bad option: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// Keys returns a table's string keys, sorted.
func Keys(t *lua.LTable) []string {
	var ks []string
	t.ForEach(func(k, _ lua.LValue) { ks = append(ks, k.String()) })
	sort.Strings(ks)
	return ks
}
