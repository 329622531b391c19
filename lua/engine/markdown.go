package engine

import (
	"fmt"
	"strings"
)

// Markdown renders the README's API table (`rewire doc --markdown`):
// one row per module, in the order given, with each function's short
// parameter list, its aliases, and the methods of the objects it hands
// out; the globals (module "_G") come last. Then the verb rule.
func Markdown(mods []Module) string {
	var b strings.Builder
	b.WriteString("| module | functions |\n|---|---|\n")
	var globals []Module
	for _, m := range mods {
		if m.Name == "_G" {
			globals = append(globals, m)
			continue
		}
		fmt.Fprintf(&b, "| `%s` | %s |\n", m.Name, cell(m))
	}
	for _, m := range globals {
		fmt.Fprintf(&b, "| globals | %s |\n", cell(m))
	}
	b.WriteString("\n")
	b.WriteString(VerbsMarkdown())
	return b.String()
}

// cell lists a module's functions, globals and object methods.
func cell(m Module) string {
	var parts []string
	for _, f := range append(append([]Func{}, m.Funcs...), m.Globals...) {
		parts = append(parts, mdFunc("", f))
	}
	s := strings.Join(parts, ", ")
	for _, t := range m.Types {
		var ms []string
		for _, f := range t.Methods {
			ms = append(ms, mdFunc(":", f))
		}
		s += fmt.Sprintf("; `%s` objects: %s", t.Name, strings.Join(ms, ", "))
	}
	if needs := needs(m); len(needs) > 0 {
		s += " — needs `allow=" + strings.Join(needs, ",") + "`"
	}
	return s
}

// needs lists the capabilities a module's functions need, once each.
func needs(m Module) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range m.Funcs {
		if f.Needs != "" && !seen[f.Needs] {
			seen[f.Needs] = true
			out = append(out, f.Needs)
		}
	}
	return out
}

func mdFunc(prefix string, f Func) string {
	s := fmt.Sprintf("`%s%s(%s)`", prefix, f.Name, f.Args())
	for _, a := range f.Aliases {
		s += fmt.Sprintf(" (`%s` is an alias)", a)
	}
	return s
}
