// Package repl is rewire's interactive shell: a line editor (history,
// Ctrl-R, Tab completion) in front of the Lua engine and a live
// transaction, with :commands to list, undo, commit or roll back the
// session's changes and to save what worked as a recipe. It imports no
// binding: it is handed an engine and a Transaction.
package repl

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"rewire/lua/engine"
)

// Config is what a session needs.
type Config struct {
	Engine      *engine.Engine
	Tx          Transaction
	Target      string // shown in the prompt: "lab", "host", a libvirt URI
	HistoryFile string // "" keeps no history
	// Guard, when set, holds a statement that may have cut the admin off
	// pending until confirmed (Enter), else undoes it.
	Guard  Guard
	Stdin  io.ReadCloser
	Stdout io.Writer
	Stderr io.Writer
}

// REPL is one interactive session.
type REPL struct {
	cfg        Config
	e          *engine.Engine
	tx         Transaction
	out, errw  io.Writer
	stmts      []*statement
	committed  int // statements before this index are committed
	savepoints []savepoint
	pending    []string // lines of a chunk that is not finished yet

	mu     sync.Mutex
	cancel context.CancelFunc // of the running statement, for Ctrl-C

	pending1 *pendingStmt // the statement waiting for a confirmation
	refresh  func()       // redraws the prompt (the terminal's)
}

// statement is one chunk that ran without error.
type statement struct {
	src     string
	start   Mark // where the transaction was before it ran
	changed bool // it made changes
	keep    bool // it belongs in a recipe (not a mere inspection)
	undone  bool
}

type savepoint struct {
	name  string
	stmt  int // number of statements before it
	start Mark
}

// New makes a session; Run starts it on the terminal.
func New(cfg Config) *REPL {
	if cfg.Stdin == nil {
		cfg.Stdin = os.Stdin
	}
	if cfg.Stdout == nil {
		cfg.Stdout = os.Stdout
	}
	if cfg.Stderr == nil {
		cfg.Stderr = cfg.Stdout
	}
	return &REPL{cfg: cfg, e: cfg.Engine, tx: cfg.Tx, out: cfg.Stdout, errw: cfg.Stderr}
}

// Prompt is the prompt for the next line: target and live change count,
// or `..` inside an unfinished chunk.
func (r *REPL) Prompt() string {
	if len(r.pending) > 0 {
		return ".. "
	}
	return fmt.Sprintf("rewire %s [%d]> ", r.cfg.Target, r.tx.Count())
}

// Feed takes one line of input. It runs the chunk when it is complete (or
// a :command), and returns whether it waits for more lines; the full
// chunk, once run, is returned for the history.
func (r *REPL) Feed(ctx context.Context, line string) (more bool, chunk string) {
	if len(r.pending) == 0 && strings.HasPrefix(strings.TrimSpace(line), ":") {
		r.command(ctx, strings.TrimSpace(line))
		return false, strings.TrimSpace(line)
	}
	r.pending = append(r.pending, line)
	src := strings.Join(r.pending, "\n")
	if strings.TrimSpace(src) == "" {
		r.pending = nil
		return false, ""
	}
	c, incomplete, err := compile(r.e.L, src, "stdin")
	if incomplete {
		return true, ""
	}
	r.pending = nil
	if err != nil {
		r.errorf("%s", (&engine.Error{Kind: engine.KindScript, Message: err.Error()}).Error())
		return false, src
	}
	r.run(ctx, c, src, c.stmt)
	return false, src
}

// Abandon drops an unfinished chunk (Ctrl-C at a `..` prompt).
func (r *REPL) Abandon() { r.pending = nil }

// run calls a compiled chunk as one statement: Ctrl-C cancels it, its
// values are printed, and if it fails, what it changed is undone so the
// host is as it was before the statement.
func (r *REPL) run(ctx context.Context, c compiled, src string, keep bool) {
	start := r.tx.Mark()
	vals, lerr := r.call(ctx, c.fn)
	changed := r.tx.Mark() != start
	if lerr != nil {
		msg := lerr.Error()
		if lerr.Kind == engine.KindCancelled {
			msg = "interrupted (Ctrl-C)"
		}
		r.errorf("%s", msg)
		if changed {
			r.undoTo(start, "the failed statement")
		}
		return
	}
	for _, v := range vals {
		fmt.Fprintln(r.out, engine.Format(r.e.L, v))
	}
	if c.expr && len(vals) > 0 && !changed {
		keep = false // an inspection (`link.list()`, `x`): no place in a recipe
	}
	r.stmts = append(r.stmts, &statement{src: src, start: start, changed: changed, keep: keep})
	if changed {
		r.hold(start)
	}
}

// Pending reports whether a statement waits for a confirmation.
func (r *REPL) Pending() bool { return r.pending1 != nil }

// call runs fn under a context that Interrupt cancels, returning the
// values it returned.
func (r *REPL) call(ctx context.Context, fn *lua.LFunction) ([]lua.LValue, *engine.Error) {
	ctx, cancel := context.WithCancel(ctx)
	r.mu.Lock()
	r.cancel = cancel
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.cancel = nil
		r.mu.Unlock()
		cancel()
	}()
	L := r.e.L
	top := L.GetTop()
	lerr := r.e.Call(ctx, fn)
	var vals []lua.LValue
	for i := top + 1; lerr == nil && i <= L.GetTop(); i++ {
		vals = append(vals, L.Get(i))
	}
	L.SetTop(top)
	return vals, lerr
}

// Interrupt cancels the running statement, if any (Ctrl-C).
func (r *REPL) Interrupt() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel == nil {
		return false
	}
	r.cancel()
	return true
}

// undoTo undoes the changes made after m and says so.
func (r *REPL) undoTo(m Mark, what string) {
	before := r.tx.Count()
	err := r.tx.UndoTo(m)
	n := before - r.tx.Count()
	if err != nil {
		r.errorf("undoing %s: %s", what, oneLine(err.Error()))
		return
	}
	fmt.Fprintf(r.out, "undid %d change%s of %s\n", n, plural(n), what)
}

func (r *REPL) errorf(format string, a ...any) {
	fmt.Fprintln(r.errw, oneLine(fmt.Sprintf(format, a...)))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
