package plan

import (
	"fmt"
	"io"
	"strings"
)

// Write prints the plan as the run would read: numbered changes with
// their diffs indented below, the checks, and the guard's decision.
func (p *Plan) Write(w io.Writer) {
	if len(p.Steps) == 0 {
		fmt.Fprintln(w, "  no changes")
	}
	for i, s := range p.Steps {
		if i > 0 && s.Tx != p.Steps[i-1].Tx {
			fmt.Fprintln(w, "  -- tx.commit(): the changes above are kept; a new transaction begins --")
		}
		note := ""
		if s.Undone {
			note = " (undone by the recipe)"
		}
		fmt.Fprintf(w, "%3d  %s%s\n", s.Seq, s.Desc, note)
		for _, d := range []string{s.Firewall, s.XML} {
			for _, l := range splitLines(d) {
				fmt.Fprintf(w, "       %s\n", l)
			}
		}
	}
	checks := append([]string(nil), p.Checks...)
	for _, pr := range p.Guard.Probes {
		checks = append(checks, pr+" (automatic, if it answers before)")
	}
	if len(checks) > 0 {
		fmt.Fprintf(w, "  checks: %s\n", strings.Join(checks, "; "))
	}
	if len(p.Steps) > 0 {
		fmt.Fprintf(w, "  guard: %s\n", p.Guard)
	}
}
