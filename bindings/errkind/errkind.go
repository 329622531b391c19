// Package errkind classifies failures for scripts and callers: every
// error a binding returns carries (or maps to) one of a few kinds a Lua
// script can switch on after pcall (`if e.kind == "exists"`). It imports
// nothing of rewire, so Go APIs, lua/conv and the engine all make and read
// kinds the same way.
package errkind

import (
	"context"
	"errors"
	"fmt"
)

// The kinds, as scripts see them in err.kind.
const (
	KindInvalid   = "invalid"   // bad argument: unknown option, wrong type, bad CIDR, MAC, XML
	KindNotFound  = "not_found" // no such interface, route, rule, network, file
	KindExists    = "exists"    // the thing to create is already there
	KindDenied    = "denied"    // not allowed: permissions, capabilities, refused by policy
	KindSystem    = "system"    // the kernel, a daemon or a tool failed
	KindCheck     = "check"     // a check() failed
	KindCancelled = "cancelled" // interrupted (Ctrl-C, SIGTERM, a deadline)
	KindLimit     = "limit"     // a resource limit of the script was reached
	KindScript    = "script"    // a plain Lua error
)

// Kinds lists every kind, in the order the documentation gives them.
var Kinds = []string{KindInvalid, KindNotFound, KindExists, KindDenied, KindSystem,
	KindCheck, KindCancelled, KindLimit, KindScript}

// Known reports whether k is one of Kinds.
func Known(k string) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Error is an error with a kind. Its message is the wrapped error's.
type Error struct {
	Kind string
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap gives errors.Is and errors.As the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrorKind is how Of reads the kind; any error type may implement it.
func (e *Error) ErrorKind() string { return e.Kind }

// New makes an error of kind k; format takes %w like fmt.Errorf.
func New(k, format string, a ...any) error { return &Error{Kind: k, Err: fmt.Errorf(format, a...)} }

// Wrap gives err the kind k, keeping its message and its chain; nil stays nil.
func Wrap(k string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: k, Err: err}
}

// Invalid is a bad-argument error.
func Invalid(format string, a ...any) error { return New(KindInvalid, format, a...) }

// NotFound is a missing-object error.
func NotFound(format string, a ...any) error { return New(KindNotFound, format, a...) }

// Exists is an object-already-there error.
func Exists(format string, a ...any) error { return New(KindExists, format, a...) }

// Denied is a not-allowed error.
func Denied(format string, a ...any) error { return New(KindDenied, format, a...) }

// System is a failure of the system, not of the input.
func System(format string, a ...any) error { return New(KindSystem, format, a...) }

// Limit is a resource-limit error.
func Limit(format string, a ...any) error { return New(KindLimit, format, a...) }

// Cancelled is an interruption.
func Cancelled(format string, a ...any) error { return New(KindCancelled, format, a...) }

// kinded is any error that names its kind.
type kinded interface{ ErrorKind() string }

// Of classifies err: the outermost error in its chain that names a kind
// wins (so errkind.Invalid("bad option: %w", e) is invalid whatever e is);
// else a cancelled context is cancelled; else well-known errno values map
// (see Errno); anything else is system. Of(nil) is "".
func Of(err error) string {
	if err == nil {
		return ""
	}
	var k kinded
	if errors.As(err, &k) && Known(k.ErrorKind()) {
		return k.ErrorKind()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return KindCancelled
	}
	var nf interface{ NotFound() bool }
	if errors.As(err, &nf) && nf.NotFound() {
		return KindNotFound
	}
	if k := Errno(err); k != "" {
		return k
	}
	return fromMessage(err.Error())
}

// Is reports whether err is of kind k.
func Is(err error, k string) bool { return err != nil && Of(err) == k }
