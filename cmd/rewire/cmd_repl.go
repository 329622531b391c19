package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"rewire/bindings/modules"
	"rewire/bindings/tx"
	"rewire/cmd/rewire/internal/guard"
	"rewire/lua/engine"
	"rewire/lua/repl"
)

func init() {
	register(command{name: "repl", summary: "interactive Lua shell on the host (or --lab): Tab, :help, :undo, :save", run: runRepl})
}

func runRepl(args []string) int {
	fs := flag.NewFlagSet("repl", flag.ContinueOnError)
	var tf targetFlags
	tf.add(fs)
	history := fs.String("history", defaultHistory(), "history file (\"\" keeps none)")
	allow := fs.String("allow", "", "capabilities the session may use: exec,files,net")
	grace := fs.Duration("grace", guard.DefaultGrace, "if the REPL dies with changes open, its guardian rolls them back after this long (rewire confirm ID keeps them)")
	confirm := fs.Duration("confirm", guard.DefaultConfirm, "how long a statement that may have cut an admin session off waits for Enter")
	noGuard := fs.Bool("no-guard", false, "no automatic probes, no pending statements (the guardian stays)")
	timeout := fs.Duration("timeout", 0, "end a statement (and undo it) if it runs longer, e.g. 30s")
	memory := fs.String("memory", defaultMemory, "end a statement (and undo it) if it grows the heap by more, e.g. 256MiB, or none")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	grant, err := engine.ParseCaps(*allow)
	if err != nil {
		return fail("repl: --allow: %v", err)
	}
	mem, err := engine.ParseSize(*memory)
	if err != nil || *timeout < 0 {
		return fail("repl: --memory %s / --timeout %s: %v", *memory, *timeout, err)
	}
	tg, st, err := tf.open()
	if err != nil {
		return fail("%v", err)
	}
	defer tg.Close()
	s := &tx.Session{Store: st, Target: tg, Script: "(repl)"}
	s.OnApply = func(step *tx.Step) { fmt.Printf("+ %s\n", step.Desc) }
	s.OnUndo = func(r tx.UndoResult) { fmt.Println(r) }
	self, _ := os.Executable()
	s.Guardian = guardianFor(self, guard.ModeREPL, *grace)
	e := engine.New(os.Stdout, modules.All(s)...)
	defer e.Close()
	e.Grant(grant)
	e.SetLimits(engine.Limits{Memory: mem, Timeout: *timeout}) // each statement on its own

	name := tg.Name
	if tf.uri != "" {
		name = tf.uri
	}
	cfg := repl.Config{Engine: e, Tx: sessionTx{s}, Target: name, HistoryFile: *history}
	if !*noGuard {
		// As run does: look at the host before the first change.
		g := guard.Lazy(tg)
		s.OnBegin = g.Take
		cfg.Guard = replGuard{s: s, g: g, deadline: *confirm}
	}
	r := repl.New(cfg)
	if err := r.Run(context.Background()); err != nil {
		return fail("repl: %v", err)
	}
	return 0
}

func defaultHistory() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".rewire_history")
}

// sessionTx lets the REPL work the session's transaction without
// knowing the tx package.
type sessionTx struct{ s *tx.Session }

func (a sessionTx) Changes() []repl.Change {
	t := a.s.Current()
	if t == nil {
		return nil
	}
	var out []repl.Change
	for _, st := range t.Steps() {
		out = append(out, repl.Change{Seq: st.Seq, Desc: st.Desc, Undone: st.Undone})
	}
	return out
}

func (a sessionTx) Count() int {
	if t := a.s.Current(); t != nil {
		return t.Live()
	}
	return 0
}

func (a sessionTx) Mark() repl.Mark {
	if t := a.s.Current(); t != nil {
		return repl.Mark{Tx: t.ID, N: len(t.Steps())}
	}
	return repl.Mark{}
}

func (a sessionTx) UndoTo(m repl.Mark) error {
	t := a.s.Current()
	if t == nil {
		return nil
	}
	from := m.N
	if t.ID != m.Tx {
		from = 0 // the transaction began after m: all of it is newer
	}
	return t.RollbackTo(from).Err()
}

func (a sessionTx) Commit() (string, error) { return a.s.Commit() }

func (a sessionTx) Rollback() error { return a.s.Rollback().Err() }
