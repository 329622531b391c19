package conv

import (
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/errkind"
)

// Opts reads an options table ({stp=false, forward_delay=0}) with typed
// getters; Err reports the first wrong type and any key nobody asked for,
// so a typo (`fwd_delay=0`) is an error, not a silent no-op. Both are of
// kind invalid (errkind), whichever binding raises them.
type Opts struct {
	t    *lua.LTable
	seen map[string]bool
	err  error
}

// OptsAt reads the optional options table at stack index n.
func OptsAt(L *lua.LState, n int) *Opts {
	o := &Opts{seen: map[string]bool{}}
	switch v := L.Get(n).(type) {
	case *lua.LTable:
		o.t = v
	case *lua.LNilType:
	default:
		o.err = errkind.Invalid("argument %d: options must be a table, got %s", n, v.Type())
	}
	return o
}

func (o *Opts) get(key string) lua.LValue {
	o.seen[key] = true
	if o.t == nil {
		return lua.LNil
	}
	return o.t.RawGetString(key)
}

func (o *Opts) fail(key, want string, got lua.LValue) {
	if o.err == nil {
		o.err = errkind.Invalid("option %s: want %s, got %s", key, want, got.Type())
	}
}

// Has reports whether key is set.
func (o *Opts) Has(key string) bool { return o.get(key) != lua.LNil }

// String returns a string option or def.
func (o *Opts) String(key, def string) string {
	switch v := o.get(key).(type) {
	case *lua.LNilType:
		return def
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return v.String()
	default:
		o.fail(key, "string", v)
	}
	return def
}

// Int returns an integer option or def.
func (o *Opts) Int(key string, def int) int {
	switch v := o.get(key).(type) {
	case *lua.LNilType:
		return def
	case lua.LNumber:
		if float64(v) != float64(int(v)) {
			o.fail(key, "integer", v)
		}
		return int(v)
	default:
		o.fail(key, "integer", v)
	}
	return def
}

// Bool returns a boolean option or def.
func (o *Opts) Bool(key string, def bool) bool {
	switch v := o.get(key).(type) {
	case *lua.LNilType:
		return def
	case lua.LBool:
		return bool(v)
	default:
		o.fail(key, "boolean", v)
	}
	return def
}

// Strings returns a list-of-strings option.
func (o *Opts) Strings(key string) []string {
	switch v := o.get(key).(type) {
	case *lua.LNilType:
		return nil
	case lua.LString:
		return []string{string(v)}
	case *lua.LTable:
		var out []string
		for i := 1; i <= v.Len(); i++ {
			out = append(out, lua.LVAsString(v.RawGetInt(i)))
		}
		return out
	default:
		o.fail(key, "list of strings", v)
	}
	return nil
}

// Err reports a wrong type or an unknown key.
func (o *Opts) Err() error {
	if o.err != nil || o.t == nil {
		return o.err
	}
	var unknown []string
	o.t.ForEach(func(k, _ lua.LValue) {
		if !o.seen[k.String()] {
			unknown = append(unknown, k.String())
		}
	})
	if len(unknown) > 0 {
		sort.Strings(unknown)
		known := make([]string, 0, len(o.seen))
		for k := range o.seen {
			known = append(known, k)
		}
		sort.Strings(known)
		return errkind.Invalid("unknown option %s (known: %s)", strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	return nil
}
