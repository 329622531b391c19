package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limits bound one script run: the script, the modules it requires and
// its checks. Zero means no limit.
type Limits struct {
	Memory  int64         // bytes the run may add to the heap it started with
	Timeout time.Duration // wall-clock time from the run's start
}

// over lists the limits l (a header's, where 0 is "not said") asks more
// of than granted (where 0 is "no limit") allows: "timeout", "memory".
func (l Limits) over(granted Limits) []string {
	var names []string
	if l.Timeout > 0 && granted.Timeout > 0 && l.Timeout > granted.Timeout {
		names = append(names, "timeout")
	}
	if l.Memory > 0 && granted.Memory > 0 && l.Memory > granted.Memory {
		names = append(names, "memory")
	}
	return names
}

// form is the header form of the named limits: "timeout=30s memory=1GiB";
// flags, with flag true, the command line's: "--timeout 30s --memory 1GiB".
func (l Limits) form(names []string, flag bool) string {
	var f []string
	for _, n := range names {
		v := FormatDuration(l.Timeout)
		if n == "memory" {
			v = FormatSize(l.Memory, "")
		}
		if flag {
			f = append(f, "--"+n+" "+v)
		} else {
			f = append(f, n+"="+v)
		}
	}
	return strings.Join(f, " ")
}

// Narrow is the tighter of l and asked, limit by limit: a header that
// says nothing about a limit keeps the grant's.
func (l Limits) Narrow(asked Limits) Limits {
	if asked.Timeout > 0 && (l.Timeout == 0 || asked.Timeout < l.Timeout) {
		l.Timeout = asked.Timeout
	}
	if asked.Memory > 0 && (l.Memory == 0 || asked.Memory < l.Memory) {
		l.Memory = asked.Memory
	}
	return l
}

// SetLimits sets what the user allows (--memory, --timeout). Chunks run
// with it; a script file runs with the tighter of it and its header.
func (e *Engine) SetLimits(l Limits) { e.limits, e.running = l, l }

// Limits returns what the running code is bounded by: the grant, narrowed
// by the running script's header.
func (e *Engine) Limits() Limits { return e.running }

// exceeded is the error a run's context is cancelled with when it goes
// past a limit; "memory", "256 MiB".
func exceeded(what, value string) error {
	return &kindErr{KindLimit, fmt.Sprintf("script exceeded its %s limit (%s)", what, value)}
}

// LimitExceeded returns the limit error when ctx (one a limited run made)
// ended because the run went past a limit, else nil.
func LimitExceeded(ctx context.Context) *Error {
	if ctx == nil || ctx.Err() == nil {
		return nil
	}
	var ke *kindErr
	if cause := context.Cause(ctx); errors.As(cause, &ke) && ke.kind == KindLimit {
		return &Error{Kind: KindLimit, Message: ke.msg}
	}
	return nil
}

// ParseSize reads a memory size: a number with an optional unit, binary
// (KiB, MiB, GiB, TiB; K, M, G, T are the same) or decimal (kB, MB, GB,
// TB); "none" or 0 is no limit.
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "none" {
		return 0, nil
	}
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.TrimSpace(s[i:])
	}
	mult, ok := sizeUnits[strings.ToLower(unit)]
	n, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || n < 0 || n*float64(mult) > 1<<62 {
		return 0, Invalid("bad size %q (e.g. 256MiB, 1GiB, none)", s)
	}
	return int64(n * float64(mult)), nil
}

var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tib": 1 << 40,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
}

// FormatSize writes n in the largest binary unit that holds it exactly:
// "256 MiB" with sep " ", "256MiB" with sep "".
func FormatSize(n int64, sep string) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + sep + u.name
		}
	}
	return strconv.FormatInt(n, 10) + sep + "B"
}

// FormatDuration is d as a user writes it: 30s, 2m, 1h30m (not 2m0s).
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
