package engine

import (
	"bufio"
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

// Header reads the capabilities a script declares in its header: the
// comment lines (and a #! line) before its first line of code, e.g.
//
//	-- rewire: allow=exec,files
//
// A `rewire:` line further down is not a header and declares nothing, so
// a reviewer finds every grant a script needs at its top.
func Header(src string) (Caps, error) {
	caps := Caps{}
	sc := bufio.NewScanner(strings.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "", n == 1 && strings.HasPrefix(line, "#!"):
			continue
		case !strings.HasPrefix(line, "--") || strings.HasPrefix(line, "--[["):
			return caps, nil
		}
		body := strings.TrimSpace(strings.TrimPrefix(line, "--"))
		rest, ok := strings.CutPrefix(body, "rewire:")
		if !ok {
			continue
		}
		for _, field := range strings.Fields(rest) {
			key, val, _ := strings.Cut(field, "=")
			if key != "allow" {
				return nil, Invalid("line %d: unknown header key %q (a header reads: -- rewire: allow=%s)", n, key, knownCaps())
			}
			c, err := ParseCaps(val)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			for k := range c {
				caps[k] = true
			}
		}
	}
	return caps, nil
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
// it runs, and narrows the running capabilities to what it declares.
func (e *Engine) admitScript(name, src string) *Error {
	asked, err := Header(src)
	if err != nil {
		return &Error{Kind: KindInvalid, Op: "run", Object: name, Message: "header: " + err.Error()}
	}
	if miss := asked.Missing(e.granted); len(miss) > 0 {
		return &Error{Kind: KindDenied, Op: "run", Object: name, Message: fmt.Sprintf(
			"the script asks for %s; not granted: %s; rerun with --allow %s if you trust it",
			asked, describe(miss), asked)}
	}
	e.effective = asked
	return nil
}

// admitModule refuses a required module whose header asks for more than
// the running script has: a module cannot widen its caller's grants.
func (e *Engine) admitModule(src string) error {
	asked, err := Header(src)
	if err != nil {
		return Invalid("header: %v", err)
	}
	if miss := asked.Missing(e.effective); len(miss) > 0 {
		return &kindErr{KindDenied, fmt.Sprintf(
			"the module asks for %s (%s), which the script does not have: declare it in the script's header (-- rewire: allow=%s) and grant it (--allow %s)",
			miss, describe(miss), miss, miss)}
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

// gate wraps a function that needs a capability: called without it, it
// raises a "denied" error naming the capability and how to get it. The
// check is made at each call, against the running script's capabilities.
func (e *Engine) gate(op string, f Func) lua.LGFunction {
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
