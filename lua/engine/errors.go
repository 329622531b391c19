package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"

	lua "github.com/yuin/gopher-lua"
)

// Error kinds a script can test with pcall: `if e.kind == "not_found"`.
const (
	KindInvalid   = "invalid"   // bad argument: CIDR, MAC, option, XML
	KindNotFound  = "not_found" // no such interface, domain, MAC, file
	KindExists    = "exists"
	KindDenied    = "denied"
	KindSystem    = "system" // the kernel, a daemon or a tool said no
	KindCheck     = "check"  // a check() failed
	KindCancelled = "cancelled"
	KindLimit     = "limit"  // the script went past its memory or time limit
	KindScript    = "script" // a plain Lua error
)

// Error is a structured failure of a primitive. In Lua it is a table
// {kind=, op=, object=, message=, where=} whose __tostring is the one line
// an admin sees: `nat-to-bridge.lua:14: bridge.add_port br0 eth9: no such interface`.
type Error struct {
	Kind    string
	Op      string // "bridge.add_port"
	Object  string // "br0 eth9"
	Message string
	Where   string // "nat-to-bridge.lua:14:" (set when raised from Lua)
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Where != "" {
		b.WriteString(e.Where)
		b.WriteByte(' ')
	}
	if e.Op != "" {
		b.WriteString(e.Op)
		if e.Object != "" {
			b.WriteByte(' ')
			b.WriteString(e.Object)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Invalid makes an invalid-argument error for Go APIs to return.
func Invalid(format string, a ...any) error { return &kindErr{KindInvalid, fmt.Sprintf(format, a...)} }

// NotFound makes a not-found error for Go APIs to return.
func NotFound(format string, a ...any) error {
	return &kindErr{KindNotFound, fmt.Sprintf(format, a...)}
}

// kindErr carries a kind through Go APIs to Raise.
type kindErr struct{ kind, msg string }

func (e *kindErr) Error() string { return e.msg }

// KindOf classifies an error for scripts.
func KindOf(err error) string {
	var ke *kindErr
	var ee *Error
	var nf interface{ NotFound() bool }
	switch {
	case errors.As(err, &ee):
		return ee.Kind
	case errors.As(err, &ke):
		return ke.kind
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return KindCancelled
	case errors.As(err, &nf) && nf.NotFound():
		return KindNotFound
	case errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ESRCH):
		return KindNotFound
	case errors.Is(err, syscall.EEXIST):
		return KindExists
	case errors.Is(err, syscall.EINVAL), errors.Is(err, syscall.ERANGE):
		return KindInvalid
	case errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EACCES):
		return KindDenied
	}
	if strings.Contains(err.Error(), "no such interface") || strings.Contains(err.Error(), "not found") {
		return KindNotFound
	}
	return KindSystem
}

const errorMeta = "rewire.error"

// Raise aborts the calling Lua function with a structured error for op on
// object. It does not return.
func Raise(L *lua.LState, op, object string, err error) int {
	e := &Error{Kind: KindOf(err), Op: op, Object: object, Message: err.Error()}
	var inner *Error
	if errors.As(err, &inner) && inner.Op != "" {
		e = &Error{Kind: inner.Kind, Op: inner.Op, Object: inner.Object, Message: inner.Message}
	}
	e.Where = luaWhere(L)
	L.Error(ErrorValue(L, e), 0)
	return 0
}

// luaWhere is the position of the nearest Lua caller: `pcall(m.f)` calls
// the primitive from pcall, a Go function, whose position means nothing.
func luaWhere(L *lua.LState) string {
	for level := 1; level < 8; level++ {
		if w := L.Where(level); w != "" && !strings.HasPrefix(w, "[G]") {
			return w
		}
	}
	return ""
}

// ArgError raises an invalid-argument error for op.
func ArgError(L *lua.LState, op, object, format string, a ...any) int {
	return Raise(L, op, object, Invalid(format, a...))
}

// ErrorValue builds the Lua table for e.
func ErrorValue(L *lua.LState, e *Error) lua.LValue {
	t := L.NewTable()
	t.RawSetString("kind", lua.LString(e.Kind))
	t.RawSetString("op", lua.LString(e.Op))
	t.RawSetString("object", lua.LString(e.Object))
	t.RawSetString("message", lua.LString(e.Message))
	t.RawSetString("where", lua.LString(strings.TrimSuffix(strings.TrimSpace(e.Where), ":")))
	mt := L.NewTypeMetatable(errorMeta)
	if mt.RawGetString("__tostring") == lua.LNil {
		mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LString(errorFromTable(L.CheckTable(1)).Error()))
			return 1
		}))
	}
	L.SetMetatable(t, mt)
	return t
}

func errorFromTable(t *lua.LTable) *Error {
	get := func(k string) string { return lua.LVAsString(t.RawGetString(k)) }
	w := get("where")
	if w != "" {
		w += ":"
	}
	return &Error{Kind: get("kind"), Op: get("op"), Object: get("object"), Message: get("message"), Where: w}
}

// FromLua turns what a Lua call returned as an error into an *Error: a
// structured error keeps its fields; a plain Lua error becomes KindScript
// with its position; a cancelled context becomes KindCancelled.
func FromLua(ctx context.Context, err error) *Error {
	if err == nil {
		return nil
	}
	if ctx != nil && ctx.Err() != nil {
		return &Error{Kind: KindCancelled, Message: "interrupted: " + ctx.Err().Error()}
	}
	var api *lua.ApiError
	if errors.As(err, &api) {
		if t, ok := api.Object.(*lua.LTable); ok && t.RawGetString("kind") != lua.LNil {
			return errorFromTable(t)
		}
		msg := api.Object.String()
		if api.Type == lua.ApiErrorSyntax {
			msg = oneLine(msg)
		}
		return &Error{Kind: KindScript, Message: msg}
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: KindOf(err), Message: err.Error()}
}

// oneLine folds gopher-lua's multi-line syntax errors into one line.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.Join(strings.Fields(s), " ")
}
