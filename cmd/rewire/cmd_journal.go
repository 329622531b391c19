package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/cmd/rewire/internal/guard"
)

func init() {
	register(command{name: "journal", summary: "list transactions, or show one's steps (journal list | show ID)", run: runJournal})
	register(command{name: "rollback", summary: "undo a committed transaction (ID or last); refuses if the host drifted", run: runRollback})
	register(command{name: "recover", summary: "undo every transaction a crash or kill left half-applied", run: runRecover})
}

func runJournal(args []string) int {
	fs := flag.NewFlagSet("journal", flag.ContinueOnError)
	var tf targetFlags
	tf.add(fs)
	pos, err := parseArgs(fs, args, 0)
	if err != nil {
		return 2
	}
	st, err := tx.OpenStore(tf.stateDir)
	if err != nil {
		return fail("%v", err)
	}
	arg := func(i int) string {
		if i < len(pos) {
			return pos[i]
		}
		return ""
	}
	sub := arg(0)
	switch sub {
	case "", "list":
		all, err := st.List()
		if err != nil {
			return fail("journal: %v", err)
		}
		if tf.json {
			return encode(all)
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tSTATE\tSTARTED\tTARGET\tSTEPS\tSCRIPT")
		for _, s := range all {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", s.ID, s.State, s.Started.Local().Format("2006-01-02 15:04:05"),
				s.Target.Name, len(s.Steps), strings.TrimSpace(s.Script+" "+strings.Join(s.Args, " ")))
		}
		w.Flush()
		return 0
	case "show":
		id, err := st.Resolve(arg(1))
		if err != nil {
			return fail("journal show: %v", err)
		}
		s, err := st.Load(id)
		if err != nil {
			return fail("journal show: %v", err)
		}
		if tf.json {
			return encode(s)
		}
		fmt.Printf("transaction %s: %s, target %s, script %s %s, pid %d\n", s.ID, s.State, s.Target.Name, s.Script, strings.Join(s.Args, " "), s.PID)
		if id := s.Target.Identity; id != nil {
			reach := "reachable from here"
			if _, err := target.Reach(s.Target); err != nil {
				reach = "not reachable from here"
			}
			fmt.Printf("  made in network namespace %s (inode %d) on %s, boot %s: %s\n", s.Target.Where(), id.NetnsIno, id.Hostname, id.BootID, reach)
		}
		if pid, unit, err := guard.ReadReady(st, s.ID); err == nil {
			fmt.Printf("  guarded by pid %d %s\n", pid, unit)
		}
		for _, step := range s.Steps {
			mark := "applied"
			switch {
			case step.Undone:
				mark = "undone"
			case step.UndoErr != "":
				mark = "undo failed: " + step.UndoErr
			case !step.Done:
				mark = "interrupted"
			}
			fmt.Printf("  %3d  %-60s %s\n", step.Seq, step.Desc, mark)
		}
		return 0
	}
	return fail("journal: unknown subcommand %q (list, show ID)", sub)
}

func encode(v any) int {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fail("%v", err)
	}
	return 0
}

func runRollback(args []string) int {
	fs := flag.NewFlagSet("rollback", flag.ContinueOnError)
	var tf targetFlags
	tf.add(fs)
	force := fs.Bool("force", false, "undo even if the host drifted since the transaction")
	pos, err := parseArgs(fs, args, 0)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return fail("rollback: name one transaction (an ID from `rewire journal`, or last)")
	}
	st, err := tx.OpenStore(tf.stateDir)
	if err != nil {
		return fail("%v", err)
	}
	id, err := st.Resolve(pos[0])
	if err != nil {
		return fail("rollback: %v", err)
	}
	if sum, err := st.Load(id); err == nil && sum.State == tx.StatePending {
		// Its guardian holds the lock: ask it to roll back now.
		if err := guard.RevertNow(st, id, os.Stderr); err != nil {
			return fail("rollback: %v", err)
		}
		fmt.Fprintf(os.Stderr, "rolled back pending transaction %s\n", id)
		return 0
	}
	rep, err := st.RollbackCommitted(id, *force, func(r tx.UndoResult) { fmt.Fprintln(os.Stderr, r) })
	if err != nil {
		return fail("rollback: %v", err)
	}
	if err := rep.Err(); err != nil {
		return fail("rollback %s: %v", id, err)
	}
	fmt.Fprintf(os.Stderr, "rolled back transaction %s (%d steps)\n", id, len(rep.Results))
	return 0
}

// whyUnguarded says why a guardian did not end a transaction whose owner is gone.
func whyUnguarded(st *tx.Store, sum *tx.Summary) string {
	if sum.Target.Rebooted() {
		return "the host rebooted since: its kernel changes went with that boot; undoing what outlives one"
	}
	if pid, _, err := guard.ReadReady(st, sum.ID); err == nil {
		return fmt.Sprintf("its guardian (pid %d) is on it", pid)
	}
	return fmt.Sprintf("its process (pid %d) and its guardian are both gone (killed, or from a version without one)", sum.PID)
}

func runRecover(args []string) int {
	fs := flag.NewFlagSet("recover", flag.ContinueOnError)
	var tf targetFlags
	tf.add(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	st, err := tx.OpenStore(tf.stateDir)
	if err != nil {
		return fail("%v", err)
	}
	// Say why each needs a human: a guardian covers all but these.
	if all, err := st.List(); err == nil {
		for _, sum := range all {
			if sum.Unfinished() && !sum.OwnerAlive() {
				fmt.Fprintf(os.Stderr, "transaction %s: %s\n", sum.ID, whyUnguarded(st, sum))
			}
		}
	}
	done, err := st.Recover(func(id string, r tx.UndoResult) { fmt.Fprintf(os.Stderr, "%s %s\n", id, r) })
	for _, id := range done {
		fmt.Fprintf(os.Stderr, "recovered transaction %s\n", id)
	}
	if err != nil {
		return fail("recover: %v", err)
	}
	if len(done) == 0 {
		fmt.Fprintln(os.Stderr, "nothing to recover")
	}
	return 0
}
