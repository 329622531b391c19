package persist

import "strings"

// ini is a keyfile or systemd unit as written: sections in order, keys
// in order, repeated sections and keys kept (networkd's [Address],
// Address=), comments carried with the key or section that follows them.
type ini struct {
	head     []string // lines before the first section
	sections []*section
}

type section struct {
	name string
	pre  []string // comments and blank lines before the header
	keys []kv
}

type kv struct {
	pre        []string
	key, value string
}

func parseINI(s string) *ini {
	d := &ini{}
	var cur *section
	var pending []string
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "" || t[0] == '#' || t[0] == ';':
			pending = append(pending, line)
		case t[0] == '[' && strings.HasSuffix(t, "]"):
			cur = &section{name: t[1 : len(t)-1], pre: trimBlank(pending)}
			d.sections = append(d.sections, cur)
			pending = nil
		default:
			k, v, _ := strings.Cut(t, "=")
			if cur == nil {
				d.head = append(d.head, pending...)
				d.head = append(d.head, line)
				pending = nil
				continue
			}
			cur.keys = append(cur.keys, kv{pre: pending, key: strings.TrimSpace(k), value: strings.TrimSpace(v)})
			pending = nil
		}
	}
	return d
}

func trimBlank(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// String writes the file back: a blank line between sections.
func (d *ini) String() string {
	var b strings.Builder
	for _, l := range d.head {
		b.WriteString(l + "\n")
	}
	for i, s := range d.sections {
		if i > 0 || len(d.head) > 0 {
			b.WriteString("\n")
		}
		for _, l := range s.pre {
			b.WriteString(l + "\n")
		}
		b.WriteString("[" + s.name + "]\n")
		for _, k := range s.keys {
			for _, l := range k.pre {
				b.WriteString(l + "\n")
			}
			b.WriteString(k.key + "=" + k.value + "\n")
		}
	}
	return b.String()
}

// section returns the first section called name, adding it at the end.
func (d *ini) section(name string) *section {
	if s := d.find(name); s != nil {
		return s
	}
	s := &section{name: name}
	d.sections = append(d.sections, s)
	return s
}

func (d *ini) find(name string) *section {
	for _, s := range d.sections {
		if s.name == name {
			return s
		}
	}
	return nil
}

// add appends a new section (repeatable ones: [Address], [Route]).
func (d *ini) add(name string) *section {
	s := &section{name: name}
	d.sections = append(d.sections, s)
	return s
}

// drop removes every section called one of names and returns them.
func (d *ini) drop(names ...string) []*section {
	var keep, gone []*section
	for _, s := range d.sections {
		if contains(names, s.name) {
			gone = append(gone, s)
		} else {
			keep = append(keep, s)
		}
	}
	d.sections = keep
	return gone
}

func (s *section) get(key string) string {
	for _, k := range s.keys {
		if k.key == key {
			return k.value
		}
	}
	return ""
}

// set replaces the key's first value (dropping the others), or appends it.
func (s *section) set(key, value string) {
	for i, k := range s.keys {
		if k.key == key {
			s.keys[i].value = value
			s.del(key, i+1)
			return
		}
	}
	s.keys = append(s.keys, kv{key: key, value: value})
}

// append adds a key, repeated keys kept.
func (s *section) append(key, value string) { s.keys = append(s.keys, kv{key: key, value: value}) }

// del removes the key (every occurrence from index from on).
func (s *section) del(key string, from ...int) {
	start := 0
	if len(from) > 0 {
		start = from[0]
	}
	out := s.keys[:0]
	for i, k := range s.keys {
		if i >= start && k.key == key {
			continue
		}
		out = append(out, k)
	}
	s.keys = out
}

// delIf removes every key the predicate names.
func (s *section) delIf(f func(key string) bool) {
	out := s.keys[:0]
	for _, k := range s.keys {
		if !f(k.key) {
			out = append(out, k)
		}
	}
	s.keys = out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
