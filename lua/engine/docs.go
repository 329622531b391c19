package engine

import (
	"fmt"
	"sort"
	"strings"
)

// Doc renders help for "", a module name, or "module.fn" from the
// registered modules' declarations.
func Doc(mods []Module, topic string) (string, error) {
	var b strings.Builder
	if topic == "" {
		b.WriteString("Modules (help on one: MODULE or MODULE.fn):\n")
		sorted := append([]Module(nil), mods...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
		for _, m := range sorted {
			fmt.Fprintf(&b, "  %-10s %s\n", m.Name, m.Doc)
		}
		return b.String(), nil
	}
	modName, fn, _ := strings.Cut(topic, ".")
	if strings.Contains(topic, ":") {
		modName, fn, _ = strings.Cut(topic, ":")
	}
	for _, m := range mods {
		if m.Name != modName && !hasType(m, modName) {
			continue
		}
		if fn == "" {
			if m.Name != modName {
				continue
			}
			fmt.Fprintf(&b, "%s — %s\n\n", m.Name, m.Doc)
			for _, f := range m.Funcs {
				writeFunc(&b, m.Name+".", f)
			}
			for _, g := range m.Globals {
				writeFunc(&b, "", g)
			}
			for _, t := range m.Types {
				fmt.Fprintf(&b, "\n%s objects — %s\n\n", t.Name, t.Doc)
				for _, f := range t.Methods {
					writeFunc(&b, t.Name+":", f)
				}
			}
			return b.String(), nil
		}
		for _, f := range append(append([]Func{}, m.Funcs...), m.Globals...) {
			if f.Name == fn || hasAlias(f, fn) {
				writeFunc(&b, m.Name+".", f)
				return b.String(), nil
			}
		}
		for _, t := range m.Types {
			for _, f := range t.Methods {
				if (f.Name == fn || hasAlias(f, fn)) && (t.Name == modName || m.Name == modName) {
					writeFunc(&b, t.Name+":", f)
					return b.String(), nil
				}
			}
		}
	}
	return "", NotFound("no help for %q (rewire doc lists the modules)", topic)
}

func hasType(m Module, name string) bool {
	for _, t := range m.Types {
		if t.Name == name {
			return true
		}
	}
	return false
}

func hasAlias(f Func, name string) bool {
	for _, a := range f.Aliases {
		if a == name {
			return true
		}
	}
	return false
}

// writeFunc prints a function's typed signature, its doc and, after it,
// its aliases.
func writeFunc(b *strings.Builder, prefix string, f Func) {
	sig := fmt.Sprintf("%s%s(%s)", prefix, f.Name, f.Signature())
	if r := f.ResultType(); r != "" {
		sig += " -> " + r
	}
	doc := f.Doc
	if f.Needs != "" {
		doc += " Needs capability " + f.Needs + "."
	}
	fmt.Fprintf(b, "  %s\n      %s\n", sig, doc)
	for _, p := range f.Params {
		if p.Doc != "" {
			fmt.Fprintf(b, "      %s: %s\n", p.Name, p.Doc)
		}
	}
	for _, a := range f.Aliases {
		fmt.Fprintf(b, "  %s%s\n      alias of %s%s\n", prefix, a, prefix, f.Name)
	}
}
