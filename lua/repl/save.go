package repl

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Recipe renders the statements that ran without error and were not
// undone, in order, as a script `rewire run` reproduces the session with.
// Inspections (an expression whose value was only printed) are left out.
func (r *REPL) Recipe() (src string, n int) {
	var b strings.Builder
	fmt.Fprintf(&b, "-- Recipe saved from `rewire repl` (target %s) on %s.\n", r.cfg.Target, time.Now().Format("2006-01-02 15:04"))
	b.WriteString("-- Preview it with `rewire plan FILE`, apply it with `rewire run FILE`:\n")
	b.WriteString("-- it runs as one transaction, rolled back as a whole if any step fails.\n\n")
	for _, st := range r.stmts {
		if st.keep && !st.undone {
			b.WriteString(st.src)
			b.WriteByte('\n')
			n++
		}
	}
	return b.String(), n
}

// save writes the recipe to path.
func (r *REPL) save(path string) (int, error) {
	src, n := r.Recipe()
	return n, os.WriteFile(path, []byte(src), 0o644)
}
