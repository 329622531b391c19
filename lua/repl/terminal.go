package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/chzyer/readline"
)

// Run drives the session on the terminal until Ctrl-D or :quit. Ctrl-C
// at the prompt clears the line; while a statement runs it interrupts the
// statement, whose changes are then undone.
func (r *REPL) Run(ctx context.Context) error {
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 r.Prompt(),
		HistoryFile:            r.cfg.HistoryFile,
		DisableAutoSaveHistory: true, // a multi-line chunk is saved as one entry
		HistorySearchFold:      true,
		AutoComplete:           &Completer{E: r.e, Savepoints: r.SavepointNames},
		InterruptPrompt:        "^C",
		EOFPrompt:              "",
		Stdin:                  r.cfg.Stdin,
		Stdout:                 r.cfg.Stdout,
		Stderr:                 r.cfg.Stderr,
	})
	if err != nil {
		return err
	}
	defer rl.Close()

	// The terminal is out of raw mode while a statement runs, so Ctrl-C
	// arrives as SIGINT: it cancels the statement, never the session.
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt)
	defer signal.Stop(sigc)
	go func() {
		for range sigc {
			r.Interrupt()
		}
	}()

	r.refresh = func() { rl.SetPrompt(r.Prompt()); rl.Refresh() }
	fmt.Fprintf(r.out, "rewire repl on %s: Tab completes, :help explains, Ctrl-D leaves.\n", r.cfg.Target)
	for {
		if p := r.pending1; p != nil {
			r.confirmPending(rl, p)
		}
		rl.SetPrompt(r.Prompt())
		line, err := rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			r.Abandon()
			continue
		case errors.Is(err, io.EOF) && !isTerminal(r.cfg.Stdin):
			// The end of piped input: nobody is left to confirm the
			// changes, so they are rolled back.
			r.leave(nil)
			return nil
		case errors.Is(err, io.EOF):
			if r.leave(rl) {
				return nil
			}
			continue
		case err != nil:
			return err
		}
		if len(r.pending) == 0 && Quits(line) {
			rl.SaveHistory(strings.TrimSpace(line))
			if r.leave(rl) {
				return nil
			}
			continue
		}
		more, chunk := r.Feed(ctx, line)
		if !more && strings.TrimSpace(chunk) != "" {
			for _, h := range historyEntries(chunk) {
				rl.SaveHistory(h)
			}
		}
	}
}

// confirmPending is the prompt of a pending statement: a countdown;
// Enter keeps the statement, Ctrl-C (or the end of input) undoes it, and
// the deadline undoes it by itself.
func (r *REPL) confirmPending(rl *readline.Instance, p *pendingStmt) {
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				p.mu.Lock()
				if !p.done {
					rl.SetPrompt(p.countdown())
					rl.Refresh()
				}
				p.mu.Unlock()
			}
		}
	}()
	for {
		rl.SetPrompt(p.countdown())
		line, err := rl.Readline()
		p.mu.Lock()
		expired := p.done
		p.mu.Unlock()
		switch {
		case expired:
			// The deadline undid it meanwhile; what was typed is
			// dropped, the prompt is back to normal.
			return
		case errors.Is(err, readline.ErrInterrupt):
			r.settle(p, false, "the pending statement (Ctrl-C)", r.out)
			return
		case err != nil:
			r.settle(p, false, "the pending statement (no one left to confirm it)", r.out)
			return
		case strings.TrimSpace(line) == "":
			r.settle(p, true, "", r.out)
			return
		case strings.TrimSpace(line) == ":commit":
			// Committing keeps the pending statement too: ask first.
			rl.SetPrompt(fmt.Sprintf("the last statement is pending (%s); commit it with the rest? [y/N] ", p.reason))
			answer, err := rl.Readline()
			if err == nil && strings.HasPrefix(strings.ToLower(strings.TrimSpace(answer)), "y") {
				r.settle(p, true, "", r.out)
				r.cmdCommit(context.Background(), "")
				return
			}
			continue
		}
		fmt.Fprintln(r.out, "a statement is pending: Enter keeps it, Ctrl-C undoes it")
	}
}

// leave ends the session: with open changes it asks whether to commit,
// roll back or stay (with no one to ask, rl nil, it rolls back). It
// reports whether to exit.
func (r *REPL) leave(rl *readline.Instance) bool {
	r.Abandon()
	n := r.tx.Count()
	if n == 0 {
		if err := r.tx.Rollback(); err != nil { // closes an empty transaction
			r.errorf("rollback: %s", err)
		}
		return true
	}
	if rl == nil {
		r.cmdRollback(context.Background(), "")
		return true
	}
	rl.SetPrompt(fmt.Sprintf("%d uncommitted change%s: [c]ommit, [r]ollback or [s]tay? ", n, plural(n)))
	answer, err := rl.Readline()
	if err != nil {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "c", "commit":
		r.cmdCommit(context.Background(), "")
		return r.tx.Count() == 0
	case "r", "rollback":
		r.cmdRollback(context.Background(), "")
		return true
	}
	return false
}

// historyEntries folds a multi-line chunk into one history line when
// that keeps its meaning; a line comment or a long string would swallow
// or change what follows, so those chunks keep one entry per line.
func historyEntries(chunk string) []string {
	lines := strings.Split(chunk, "\n")
	if strings.Contains(chunk, "--") || strings.Contains(chunk, "[[") || strings.Contains(chunk, "[=") {
		return lines
	}
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return []string{strings.Join(lines, " ")}
}

func isTerminal(in io.Reader) bool {
	f, ok := in.(*os.File)
	return ok && readline.IsTerminal(int(f.Fd()))
}
