package repl

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"rewire/lua/engine"
)

// replCommand is one :command of the session.
type replCommand struct {
	name, args, doc string
	run             func(r *REPL, ctx context.Context, arg string)
}

// commands are listed by :help in this order (set in init: :help lists them).
var commands []replCommand

func init() {
	commands = []replCommand{
		{"help", "[topic]", "help on the modules, a module or a function (module.fn)", (*REPL).cmdHelp},
		{"changes", "", "list this session's open changes", (*REPL).cmdChanges},
		{"undo", "", "undo the changes of the last statement that made any", (*REPL).cmdUndo},
		{"savepoint", "NAME", "mark this point; :rollback NAME returns to it", (*REPL).cmdSavepoint},
		{"rollback", "[NAME]", "undo every open change (or those since savepoint NAME)", (*REPL).cmdRollback},
		{"commit", "", "keep the open changes", (*REPL).cmdCommit},
		{"load", "FILE.lua", "run a script as one statement", (*REPL).cmdLoad},
		{"save", "FILE.lua", "write the statements that worked as a runnable recipe", (*REPL).cmdSave},
		{"quit", "", "leave (asks what to do with open changes), like Ctrl-D", nil},
	}
}

// command runs a :command line.
func (r *REPL) command(ctx context.Context, line string) {
	name, arg, _ := strings.Cut(strings.TrimPrefix(line, ":"), " ")
	arg = strings.TrimSpace(arg)
	for _, c := range commands {
		if c.name == name && c.run != nil {
			c.run(r, ctx, arg)
			return
		}
	}
	r.errorf("unknown command :%s (:help lists them)", name)
}

// Quits reports whether a line asks to leave.
func Quits(line string) bool {
	l := strings.TrimSpace(line)
	return l == ":quit" || l == ":exit" || l == ":q"
}

func (r *REPL) modules() []engine.Module { return append(r.e.Modules(), engine.Builtins) }

func (r *REPL) cmdHelp(_ context.Context, topic string) {
	text, err := engine.Doc(r.modules(), topic)
	if err != nil && topic != "" && !strings.ContainsAny(topic, ".:") {
		if t, gerr := engine.Doc(r.modules(), "_G."+topic); gerr == nil {
			text, err = t, nil // a global such as check or print
		}
	}
	if err != nil {
		r.errorf("%s", err)
		return
	}
	fmt.Fprint(r.out, text)
	if topic == "" {
		fmt.Fprintln(r.out, "\nREPL commands (Tab completes names, also inside strings):")
		for _, c := range commands {
			fmt.Fprintf(r.out, "  %-22s %s\n", ":"+strings.TrimSpace(c.name+" "+c.args), c.doc)
		}
		fmt.Fprintln(r.out, "Each input runs as its own chunk: a `local` lasts one statement, a global stays.")
	}
}

func (r *REPL) cmdChanges(context.Context, string) {
	chs := r.tx.Changes()
	if len(chs) == 0 {
		fmt.Fprintln(r.out, "no open changes")
		return
	}
	for _, c := range chs {
		flag := ""
		if c.Undone {
			flag = "  (undone)"
		}
		fmt.Fprintf(r.out, "%3d  %s%s\n", c.Seq, c.Desc, flag)
	}
}

func (r *REPL) cmdUndo(context.Context, string) {
	for i := len(r.stmts) - 1; i >= r.committed; i-- {
		st := r.stmts[i]
		if st.undone || !st.changed {
			continue // :undo is about changes; a print loop is not one
		}
		r.undoTo(st.start, "`"+firstLine(st.src)+"`")
		st.undone = true
		r.dropSavepointsAfter(i)
		return
	}
	fmt.Fprintln(r.out, "no change to undo since the last commit")
}

func (r *REPL) cmdSavepoint(_ context.Context, name string) {
	if name == "" {
		r.errorf(":savepoint needs a NAME")
		return
	}
	r.savepoints = append(r.savepoints, savepoint{name: name, stmt: len(r.stmts), start: r.tx.Mark()})
	fmt.Fprintf(r.out, "savepoint %s at %d change%s\n", name, r.tx.Count(), plural(r.tx.Count()))
}

func (r *REPL) cmdRollback(_ context.Context, name string) {
	if name == "" {
		before := r.tx.Count()
		err := r.tx.Rollback()
		r.markUndone(r.committed)
		r.savepoints = nil
		switch {
		case err != nil:
			r.errorf("rollback: %s", err)
		case before == 0:
			fmt.Fprintln(r.out, "nothing to roll back")
		default:
			fmt.Fprintf(r.out, "rolled back %d change%s\n", before, plural(before))
		}
		return
	}
	for i := len(r.savepoints) - 1; i >= 0; i-- {
		sp := r.savepoints[i]
		if sp.name == name {
			r.undoTo(sp.start, "savepoint "+name)
			r.markUndone(sp.stmt)
			r.savepoints = r.savepoints[:i+1]
			return
		}
	}
	r.errorf("rollback %s: no such savepoint since the last commit", name)
}

func (r *REPL) cmdCommit(context.Context, string) {
	n := r.tx.Count()
	id, err := r.tx.Commit()
	if err != nil {
		r.errorf("commit: %s", err)
		return
	}
	r.committed = len(r.stmts)
	r.savepoints = nil
	if id == "" {
		fmt.Fprintln(r.out, "nothing to commit")
		return
	}
	fmt.Fprintf(r.out, "committed %d change%s as transaction %s\n", n, plural(n), id)
}

func (r *REPL) cmdLoad(ctx context.Context, path string) {
	if path == "" {
		r.errorf(":load needs a FILE.lua")
		return
	}
	src, err := os.ReadFile(path)
	if err != nil {
		r.errorf("load %s: %s", path, errText(err))
		return
	}
	c, _, err := compile(r.e.L, string(src), filepath.Base(path))
	if err != nil {
		r.errorf("load %s: %s", path, err)
		return
	}
	if abs, err := filepath.Abs(path); err == nil {
		r.e.SetDir(filepath.Dir(abs))
	}
	r.run(ctx, c, strings.TrimRight(string(src), "\n"), true)
}

func (r *REPL) cmdSave(_ context.Context, path string) {
	if path == "" {
		r.errorf(":save needs a FILE.lua")
		return
	}
	n, err := r.save(path)
	if err != nil {
		r.errorf("save %s: %s", path, errText(err))
		return
	}
	fmt.Fprintf(r.out, "saved %d statement%s to %s\n", n, plural(n), path)
}

// markUndone flags statements from index i on as undone.
func (r *REPL) markUndone(i int) {
	for ; i < len(r.stmts); i++ {
		if i >= r.committed {
			r.stmts[i].undone = true
		}
	}
}

func (r *REPL) dropSavepointsAfter(stmt int) {
	kept := r.savepoints[:0]
	for _, sp := range r.savepoints {
		if sp.stmt <= stmt {
			kept = append(kept, sp)
		}
	}
	r.savepoints = kept
}

// commandCandidates completes :commands and their arguments.
func (c *Completer) commandCandidates(line string) ([]string, string) {
	name, arg, hasArg := strings.Cut(strings.TrimPrefix(line, ":"), " ")
	if !hasArg {
		var names []string
		for _, cmd := range commands {
			names = append(names, ":"+cmd.name)
		}
		return withPrefix(names, line), line
	}
	arg = strings.TrimLeft(arg, " ")
	switch name {
	case "help":
		return withPrefix(helpTopics(append(c.E.Modules(), engine.Builtins)), arg), arg
	case "rollback":
		if c.Savepoints != nil {
			return withPrefix(c.Savepoints(), arg), arg
		}
	case "load", "save":
		return fileNames(arg), arg
	}
	return nil, arg
}

func helpTopics(mods []engine.Module) []string {
	var out []string
	for _, m := range mods {
		out = append(out, m.Name)
		for _, f := range m.Funcs {
			out = append(out, m.Name+"."+f.Name)
		}
		for _, t := range m.Types {
			for _, f := range t.Methods {
				out = append(out, t.Name+":"+f.Name)
			}
		}
	}
	return out
}

// fileNames lists .lua files and directories matching a typed path.
func fileNames(prefix string) []string {
	dir, base := filepath.Split(prefix)
	entries, err := os.ReadDir(filepath.Join(".", dir))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, base) || strings.HasPrefix(n, ".") && !strings.HasPrefix(base, ".") {
			continue
		}
		if e.IsDir() {
			out = append(out, dir+n+"/")
		} else if strings.HasSuffix(n, ".lua") {
			out = append(out, dir+n)
		}
	}
	sort.Strings(out)
	return out
}

// SavepointNames lists the savepoints since the last commit.
func (r *REPL) SavepointNames() []string {
	var out []string
	for _, sp := range r.savepoints {
		out = append(out, sp.name)
	}
	return out
}

func firstLine(s string) string {
	l, rest, _ := strings.Cut(s, "\n")
	if rest != "" {
		l += " ..."
	}
	return l
}

func errText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}
