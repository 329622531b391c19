package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"

	"rewire/bindings/modules"
	"rewire/bindings/persist"
	"rewire/bindings/tx"
	"rewire/cmd/rewire/internal/guard"
	"rewire/lua/engine"
	"rewire/lua/script"
)

func init() {
	register(command{name: "run", summary: "run a Lua recipe (or -e CHUNK) in one transaction; any error rolls it back", run: runRun})
}

func runRun(args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var tf targetFlags
	tf.add(fs)
	var sf scriptFlags
	sf.add(fs, "run")
	wait := fs.Bool("wait", false, "wait for another open transaction instead of failing")
	dry := fs.Bool("dry-run", false, "change nothing: list what the run would change (as rewire plan)")
	persistFlag := fs.Bool("persist", false, "after the script, write its live result in each device's manager's own files (as persist.save(); journaled, undone on rollback)")
	opts, grant, code := sf.parse("run", fs, args)
	if code != 0 {
		return code
	}
	if handsOffScript != nil && handsOffScript(tf, opts, *dry) {
		return handOff()
	}
	if *dry {
		return dryRun(tf, opts, grant, sf.confirm, sf.noGuard)
	}
	tg, st, err := tf.open()
	if err != nil {
		return fail("%v", err)
	}
	defer tg.Close()
	s := &tx.Session{Store: st, Target: tg, Script: opts.File, Args: opts.Args, Wait: *wait}
	s.OnApply = func(step *tx.Step) {
		if !tf.json {
			fmt.Fprintf(os.Stderr, "+ %s\n", step.Desc)
		}
	}
	s.OnUndo = func(r tx.UndoResult) { fmt.Fprintln(os.Stderr, r) }
	self, _ := os.Executable()
	s.Guardian = guardianFor(self, guard.ModeRun, 0)
	e := engine.New(os.Stdout, modules.All(s)...)
	defer e.Close()
	e.Grant(grant)

	// The guard looks at the host before anything changes (which admin
	// sessions come in, which gateways answer), as the transaction begins:
	// a run that changes nothing probes nothing.
	var g *guard.Guard
	if !sf.noGuard {
		g = guard.Lazy(tg)
		s.OnBegin = g.Take
	}
	if *persistFlag {
		opts.AfterScript = func(s *tx.Session) error {
			written, err := persist.Save(s, persist.Options{})
			for _, w := range written {
				fmt.Fprintf(os.Stderr, "persist: %s %s (%s, %s)\n", w.Action, w.Path, w.Device, w.Flavour)
			}
			return err
		}
	}
	opts.Commit = guard.Commit(g, guard.CommitOptions{Confirm: sf.confirm, Self: self, Out: os.Stderr, StdinIsTTY: isTTY(os.Stdin)})

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st.OnWait = func(holder string) {
		fmt.Fprintf(os.Stderr, "rewire: waiting for another transaction (%s); Ctrl-C gives up\n", holder)
	}
	st.WaitCancel = ctx.Done()
	res := script.Run(ctx, s, e, opts)
	return report(res, tf.json)
}

// report prints a run's outcome: one line per check, the error as one
// line, and where the transaction ended up.
func report(res *script.Result, asJSON bool) int {
	if asJSON {
		json.NewEncoder(os.Stdout).Encode(res)
	} else {
		for _, c := range res.Checks {
			if c.OK { // a failed check is the run's error line below
				fmt.Fprintf(os.Stderr, "check %s: ok\n", c.Name)
			}
		}
	}
	if res.Err != nil {
		fmt.Fprintln(os.Stderr, res.Err.Error())
		if res.Rollback != nil && len(res.Rollback.Results) > 0 {
			if err := res.Rollback.Err(); err != nil {
				fmt.Fprintf(os.Stderr, "rewire: %v\n", err)
			} else {
				fmt.Fprintf(os.Stderr, "rolled back %d changes%s\n", len(res.Rollback.Results), txSuffix(res.TxID))
			}
		}
		return 1
	}
	if !asJSON {
		switch {
		case res.TxID != "":
			fmt.Fprintf(os.Stderr, "committed %d changes as transaction %s (rewire rollback %s undoes them)\n", len(res.Steps), res.TxID, res.TxID)
		}
	}
	return 0
}

func txSuffix(id string) string {
	if id == "" {
		return ""
	}
	return " (transaction " + id + ")"
}

func isTTY(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
