package repl

import (
	"regexp"
	"strings"

	"rewire/lua/engine"
)

var (
	keyAtEnd   = regexp.MustCompile(`[A-Za-z_]\w*$`)
	callBefore = regexp.MustCompile(`([A-Za-z_][\w.]*)\s*([.:])\s*([A-Za-z_]\w*)\s*$`)
	typedKey   = regexp.MustCompile(`([A-Za-z_]\w*)\s*=`)
)

// optionKeys completes a key of an options table being typed as an
// argument — `bridge.create("br0", {st` offers `stp=` — from the
// function's declared parameters. ok is false when the cursor is not at
// a key of such a table.
func (c *Completer) optionKeys(before string) (cands []string, word string, ok bool) {
	word = keyAtEnd.FindString(before)
	rest := strings.TrimRight(before[:len(before)-len(word)], " \t")
	if !strings.HasSuffix(rest, "{") && !strings.HasSuffix(rest, ",") {
		return nil, "", false
	}
	open := unmatched(rest, '{', '}')
	if open < 0 || unmatched(rest[open+1:], '{', '}') >= 0 {
		return nil, "", false
	}
	head := strings.TrimRight(rest[:open], " \t")
	arg := 0
	if paren := unmatched(head, '(', ')'); paren >= 0 && !callBefore.MatchString(head) {
		arg = topLevelCommas(head[paren+1:])
		head = head[:paren]
	}
	m := callBefore.FindStringSubmatch(head)
	if m == nil {
		return nil, "", false
	}
	f, found := c.declared(m[1], m[2], m[3])
	if !found || arg >= len(f.Params) || len(f.Params[arg].Fields) == 0 {
		return nil, "", false
	}
	typed := map[string]bool{}
	for _, k := range typedKey.FindAllStringSubmatch(rest[open:], -1) {
		typed[k[1]] = true
	}
	for _, fl := range f.Params[arg].Fields {
		if !typed[fl.Name] {
			cands = append(cands, fl.Name+"=")
		}
	}
	return withPrefix(cands, word), word, true
}

// declared finds the declaration of recv.fn (a module function) or
// recv:fn (a method of an object type), aliases included.
func (c *Completer) declared(recv, sep, fn string) (engine.Func, bool) {
	for _, m := range c.E.Modules() {
		var fs []engine.Func
		if sep == "." && m.Name == recv {
			fs = m.Funcs
		}
		if sep == ":" {
			for _, t := range m.Types {
				fs = append(fs, t.Methods...)
			}
		}
		for _, f := range fs {
			if f.Name == fn || contains(f.Aliases, fn) {
				return f, true
			}
		}
	}
	return engine.Func{}, false
}

// aliasNames are the declared aliases among a module's functions (or,
// for methods, among every object type's), which completion leaves out:
// it offers the names the verb rule gives.
func (c *Completer) aliasNames(base string, methods bool) map[string]bool {
	out := map[string]bool{}
	for _, m := range c.E.Modules() {
		if !methods && m.Name == base {
			for _, f := range m.Funcs {
				for _, a := range f.Aliases {
					out[a+"("] = true
				}
			}
		}
		if methods {
			for _, t := range m.Types {
				for _, f := range t.Methods {
					for _, a := range f.Aliases {
						out[a+"("] = true
					}
				}
			}
		}
	}
	return out
}

// unmatched is the index of the last open bracket of s left unclosed, or -1.
func unmatched(s string, open, close byte) int {
	depth := 0
	for i := len(s) - 1; i >= 0; i-- {
		switch s[i] {
		case close:
			depth++
		case open:
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

// topLevelCommas counts the commas of s outside brackets: the index of
// the argument being typed.
func topLevelCommas(s string) int {
	n, depth := 0, 0
	for _, ch := range s {
		switch ch {
		case '{', '(', '[':
			depth++
		case '}', ')', ']':
			depth--
		case ',':
			if depth == 0 {
				n++
			}
		}
	}
	return n
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
