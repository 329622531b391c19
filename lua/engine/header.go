package engine

import (
	"bufio"
	"fmt"
	"strings"
	"time"
)

// ScriptHeader is what a script (or module) declares at its top: the
// capabilities it needs and the limits it asks to run under.
type ScriptHeader struct {
	Allow  Caps
	Limits Limits // 0: not said, the grant's limit applies
}

// headerForm is how a header reads, for messages.
const headerForm = "-- rewire: allow=exec,files,net timeout=30s memory=128MiB"

// ParseHeader reads a script's header: the comment lines (and a #! line)
// before its first line of code, e.g.
//
//	-- rewire: allow=exec,files
//	-- rewire: timeout=30s memory=128MiB
//
// A `rewire:` line further down is not a header and declares nothing, so
// a reviewer finds every grant a script needs at its top. A header can
// only ask for a limit, never for none: it may narrow the user's, not
// lift it.
func ParseHeader(src string) (ScriptHeader, error) {
	h := ScriptHeader{Allow: Caps{}}
	sc := bufio.NewScanner(strings.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "", n == 1 && strings.HasPrefix(line, "#!"):
			continue
		case !strings.HasPrefix(line, "--") || strings.HasPrefix(line, "--[["):
			return h, nil
		}
		body := strings.TrimSpace(strings.TrimPrefix(line, "--"))
		rest, ok := strings.CutPrefix(body, "rewire:")
		if !ok {
			continue
		}
		for _, field := range strings.Fields(rest) {
			if err := h.set(field); err != nil {
				return ScriptHeader{}, fmt.Errorf("line %d: %w", n, err)
			}
		}
	}
	return h, nil
}

// set reads one key=value field of a header line.
func (h *ScriptHeader) set(field string) error {
	key, val, _ := strings.Cut(field, "=")
	switch key {
	case "allow":
		c, err := ParseCaps(val)
		if err != nil {
			return err
		}
		for k := range c {
			h.Allow[k] = true
		}
	case "timeout":
		d, err := time.ParseDuration(val)
		if err != nil || d <= 0 {
			return Invalid("bad timeout %q (e.g. timeout=30s, timeout=2m)", val)
		}
		h.Limits.Timeout = d
	case "memory":
		m, err := ParseSize(val)
		if err != nil || m <= 0 {
			return Invalid("bad memory %q (e.g. memory=128MiB, memory=1GiB)", val)
		}
		h.Limits.Memory = m
	default:
		return Invalid("unknown header key %q (a header reads: %s)", key, headerForm)
	}
	return nil
}
