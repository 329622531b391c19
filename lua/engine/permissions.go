package engine

import (
	"fmt"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Capabilities a shared script may be granted. Without them a script can
// only change the network through the transaction core, where every change
// has an exact undo; these reach past it.
const (
	CapExec  = "exec"  // run programs (exec.run)
	CapFiles = "files" // read and write files outside rewire's state dir (files.*)
	CapNet   = "net"   // open sockets other than the probes'
)

// capDocs says what each capability lets a script do, for messages.
var capDocs = map[string]string{
	CapExec:  "run programs",
	CapFiles: "read and write files outside the state dir",
	CapNet:   "open sockets other than the probes",
}

// Caps is a set of capabilities.
type Caps map[string]bool

// ParseCaps reads a comma-separated list ("exec,files", as --allow takes
// it); an unknown name is an error naming the known ones.
func ParseCaps(list string) (Caps, error) {
	c := Caps{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if _, ok := capDocs[name]; !ok {
			return nil, Invalid("unknown capability %q (known: %s)", name, knownCaps())
		}
		c[name] = true
	}
	return c, nil
}

func knownCaps() string {
	names := make([]string, 0, len(capDocs))
	for n := range capDocs {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// String lists the set sorted, comma-separated ("" when empty).
func (c Caps) String() string {
	names := make([]string, 0, len(c))
	for n, ok := range c {
		if ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// Missing returns what c holds that granted does not.
func (c Caps) Missing(granted Caps) Caps {
	out := Caps{}
	for n, ok := range c {
		if ok && !granted[n] {
			out[n] = true
		}
	}
	return out
}

// Header reads the capabilities a script declares in its header (see
// ParseHeader).
func Header(src string) (Caps, error) {
	h, err := ParseHeader(src)
	return h.Allow, err
}

// Grant sets what the user allows (`--allow`). Chunks the user types
// (`run -e`, the REPL) run with all of it; a script file runs with what
// its header declares, which must lie within it.
func (e *Engine) Grant(c Caps) {
	e.granted, e.effective = Caps{}, Caps{}
	for k, ok := range c {
		e.granted[k], e.effective[k] = ok, ok
	}
}

// Granted returns what the user allowed.
func (e *Engine) Granted() Caps { return e.granted }

// admitScript checks a script's header against the grant before any of
// it runs, and narrows the running capabilities and limits to what it
// declares: a header may ask for less than the user allows, never more.
func (e *Engine) admitScript(name, src string) *Error {
	h, err := ParseHeader(src)
	if err != nil {
		return &Error{Kind: KindInvalid, Op: "run", Object: name, Message: "header: " + err.Error()}
	}
	asked := h.Allow
	if miss := asked.Missing(e.granted); len(miss) > 0 {
		return &Error{Kind: KindDenied, Op: "run", Object: name, Message: fmt.Sprintf(
			"the script asks for %s; not granted: %s; rerun with --allow %s if you trust it",
			asked, describe(miss), asked)}
	}
	if over := h.Limits.over(e.limits); len(over) > 0 {
		return &Error{Kind: KindDenied, Op: "run", Object: name, Message: fmt.Sprintf(
			"the script asks for %s, more than the %s granted; rerun with %s if you trust it",
			h.Limits.form(over, false), e.limits.form(over, false), h.Limits.form(over, true))}
	}
	e.effective = asked
	e.running = e.limits.Narrow(h.Limits)
	e.narrow()
	return nil
}

// admitModule refuses a required module whose header asks for more than
// the running script has: a module cannot widen its caller's grants nor
// lift its limits (it runs within them, whatever it asks).
func (e *Engine) admitModule(src string) error {
	h, err := ParseHeader(src)
	if err != nil {
		return Invalid("header: %v", err)
	}
	if miss := h.Allow.Missing(e.effective); len(miss) > 0 {
		return &kindErr{KindDenied, fmt.Sprintf(
			"the module asks for %s (%s), which the script does not have: declare it in the script's header (-- rewire: allow=%s) and grant it (--allow %s)",
			miss, describe(miss), miss, miss)}
	}
	if over := h.Limits.over(e.running); len(over) > 0 {
		return &kindErr{KindDenied, fmt.Sprintf(
			"the module asks for %s, more than the script runs with (%s)",
			h.Limits.form(over, false), e.running.form(over, false))}
	}
	return nil
}

func describe(c Caps) string {
	var parts []string
	for _, n := range strings.Split(c.String(), ",") {
		parts = append(parts, n+": "+capDocs[n])
	}
	return strings.Join(parts, "; ")
}

// gate wraps a module's function: first, unless it defers, it runs the
// modules' barriers (what a module put off happens before this call can
// see the host); then, for a function that needs a capability, called
// without it, it raises a "denied" error naming the capability and how
// to get it, checked at each call against the running script's
// capabilities.
func (e *Engine) gate(op string, f Func) lua.LGFunction {
	fn := f.Fn
	if !f.Defers {
		inner := fn
		fn = func(L *lua.LState) int {
			if len(e.barriers) > 0 {
				if err := e.barrier(); err != nil {
					return Raise(L, op, "", err)
				}
			}
			return inner(L)
		}
	}
	f.Fn = fn
	if f.Needs == "" {
		return f.Fn
	}
	if _, ok := capDocs[f.Needs]; !ok {
		panic(fmt.Sprintf("engine: %s needs unknown capability %q", op, f.Needs))
	}
	return func(L *lua.LState) int {
		if !e.effective[f.Needs] {
			return Raise(L, op, "", &kindErr{KindDenied, fmt.Sprintf(
				"needs capability %s (%s): declare it in the script's header (-- rewire: allow=%s) and grant it (--allow %s)",
				f.Needs, capDocs[f.Needs], f.Needs, f.Needs)})
		}
		return f.Fn(L)
	}
}
