package repl

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"rewire/lua/engine"
)

// Completer finds Tab candidates by asking the Lua state itself: globals,
// members of tables (the modules), methods of objects through their
// metatable's __index, and live names inside string arguments, listed by
// calling the Lua API (link.list(), domain.list(), dom:interfaces()), so
// the REPL stays free of bindings; and keys of an options table from the
// functions' declared parameters (complete_opts.go), leaving declared
// aliases out.
type Completer struct {
	E *engine.Engine
	// Savepoints returns the savepoint names, for `:rollback NAME`-style
	// commands. Optional.
	Savepoints func() []string
}

// ifaceModules take interface names as string arguments.
var ifaceModules = map[string]bool{"link": true, "bridge": true, "bond": true, "addr": true, "route": true, "vlan": true, "sysctl": true}

// luaKeywords are offered with the globals at the start of a name.
var luaKeywords = []string{"and", "break", "do", "else", "elseif", "end", "false", "for", "function",
	"if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"}

var (
	pathAtEnd = regexp.MustCompile(`[A-Za-z_][\w.:]*$`)
	wordAtEnd = regexp.MustCompile(`[\w.:]$`)
	callOpen  = regexp.MustCompile(`([A-Za-z_][\w.]*)\s*([.:])\s*([A-Za-z_]\w*)\s*\(([^()]*)$`)
)

// Candidates returns the completions of the text before the cursor and
// the word they replace (the candidates all start with it).
func (c *Completer) Candidates(before string) (cands []string, word string) {
	if t := strings.TrimLeft(before, " \t"); strings.HasPrefix(t, ":") {
		return c.commandCandidates(t)
	}
	q, open, comment := openString(before)
	if comment {
		return nil, ""
	}
	if open {
		word = before[q+1:]
		m := callOpen.FindStringSubmatch(before[:q])
		if m == nil {
			return nil, word
		}
		return withPrefix(c.liveNames(m[1], m[2], m[3]), word), word
	}
	if cands, word, ok := c.optionKeys(before); ok {
		return cands, word
	}
	path := pathAtEnd.FindString(before)
	if path == "" && wordAtEnd.MatchString(before) {
		return nil, "" // after a number or a stray dot: nothing to offer
	}
	cut := strings.LastIndexAny(path, ".:")
	if cut < 0 {
		return withPrefix(c.globalNames(), path), path
	}
	base, sep, word := path[:cut], path[cut], path[cut+1:]
	v := c.resolve(base)
	if v == lua.LNil {
		return nil, word
	}
	var names []string
	aliases := c.aliasNames(base, sep == ':')
	for _, n := range c.memberNames(v, sep == ':') {
		if !aliases[n] {
			names = append(names, n)
		}
	}
	return withPrefix(names, word), word
}

// openString finds a string literal left open at the end of s and returns
// the index of its opening quote; comment is true when s ends in a comment.
func openString(s string) (start int, open, comment bool) {
	quote := byte(0)
	start = -1
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0 && ch == '\\':
			i++
		case quote != 0 && ch == quote:
			quote = 0
		case quote == 0 && (ch == '"' || ch == '\''):
			quote, start = ch, i
		case quote == 0 && ch == '-' && strings.HasPrefix(s[i:], "--"):
			return -1, false, true
		}
	}
	return start, quote != 0, false
}

func (c *Completer) globalNames() []string {
	var out []string
	c.E.L.G.Global.ForEach(func(k, _ lua.LValue) {
		if s, ok := k.(lua.LString); ok && !strings.HasPrefix(string(s), "_") {
			out = append(out, string(s))
		}
	})
	return append(out, luaKeywords...)
}

// resolve walks a dotted/colon path from the globals without calling
// anything (an __index function is not run).
func (c *Completer) resolve(path string) lua.LValue {
	var v lua.LValue = c.E.L.G.Global
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == ':' }) {
		v = c.field(v, part)
		if v == lua.LNil {
			return lua.LNil
		}
	}
	return v
}

func (c *Completer) field(v lua.LValue, name string) lua.LValue {
	if t, ok := v.(*lua.LTable); ok {
		if f := t.RawGetString(name); f != lua.LNil {
			return f
		}
	}
	if idx, ok := c.index(v); ok {
		return idx.RawGetString(name)
	}
	return lua.LNil
}

// index is v's metatable's __index when that is a table (method tables).
func (c *Completer) index(v lua.LValue) (*lua.LTable, bool) {
	mt, ok := c.E.L.GetMetatable(v).(*lua.LTable)
	if !ok {
		return nil, false
	}
	idx, ok := mt.RawGetString("__index").(*lua.LTable)
	return idx, ok
}

// memberNames lists a table's string keys (methods only, after ':'),
// then its metatable's __index; functions get an opening parenthesis.
func (c *Completer) memberNames(v lua.LValue, methods bool) []string {
	var out []string
	add := func(t *lua.LTable) {
		t.ForEach(func(k, val lua.LValue) {
			s, ok := k.(lua.LString)
			if !ok || strings.HasPrefix(string(s), "__") {
				return
			}
			_, isFn := val.(*lua.LFunction)
			if methods && !isFn {
				return
			}
			if isFn {
				out = append(out, string(s)+"(")
			} else {
				out = append(out, string(s))
			}
		})
	}
	if t, ok := v.(*lua.LTable); ok {
		add(t)
	}
	if idx, ok := c.index(v); ok {
		add(idx)
	}
	return out
}

// liveNames lists the names a string argument of recv.fn (or recv:fn)
// can take, by calling the Lua API: interfaces for the interface modules,
// a module's own list() otherwise (domains, networks), and the MACs of an
// object's interfaces() for its methods.
func (c *Completer) liveNames(recv, sep, fn string) []string {
	if sep == ":" {
		obj := c.resolve(recv)
		if c.field(obj, "interfaces") == lua.LNil {
			return nil
		}
		return c.listField(obj, "interfaces", obj, "mac")
	}
	if ifaceModules[recv] {
		return c.listField(c.resolve("link"), "list", nil, "name")
	}
	return c.listField(c.resolve(recv), "list", nil, "name")
}

// listField calls holder[fn](self) and collects field key of every item
// of the list it returns (or the item itself when it is a string).
func (c *Completer) listField(holder lua.LValue, fn string, self lua.LValue, key string) []string {
	f, ok := c.field(holder, fn).(*lua.LFunction)
	if !ok {
		return nil
	}
	L := c.E.L
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	L.SetContext(ctx)
	defer L.RemoveContext()
	var args []lua.LValue
	if self != nil {
		args = append(args, self)
	}
	if err := L.CallByParam(lua.P{Fn: f, NRet: 1, Protect: true}, args...); err != nil {
		return nil
	}
	list, ok := L.Get(-1).(*lua.LTable)
	L.Pop(1)
	if !ok {
		return nil
	}
	var out []string
	list.ForEach(func(_, item lua.LValue) {
		switch x := item.(type) {
		case lua.LString:
			out = append(out, string(x))
		default:
			if s, ok := c.fieldText(x, key); ok {
				out = append(out, s)
			}
		}
	})
	return out
}

// fieldText reads item.key, or calls item:key() when that is a method
// (objects such as domains expose their name that way).
func (c *Completer) fieldText(item lua.LValue, key string) (string, bool) {
	switch v := c.field(item, key).(type) {
	case lua.LString:
		return string(v), true
	case *lua.LFunction:
		L := c.E.L
		if err := L.CallByParam(lua.P{Fn: v, NRet: 1, Protect: true}, item); err != nil {
			return "", false
		}
		s, ok := L.Get(-1).(lua.LString)
		L.Pop(1)
		return string(s), ok
	}
	return "", false
}

// withPrefix keeps the names starting with word, sorted and unique.
func withPrefix(names []string, word string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, word) && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Do implements readline.AutoCompleter: suffixes of the candidates and
// the length of the word they complete.
func (c *Completer) Do(line []rune, pos int) ([][]rune, int) {
	cands, word := c.Candidates(string(line[:pos]))
	n := len([]rune(word))
	out := make([][]rune, 0, len(cands))
	for _, cand := range cands {
		out = append(out, []rune(cand)[n:])
	}
	return out, n
}
