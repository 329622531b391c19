package main

import (
	"flag"
	"fmt"
	"os"

	"rewire/bindings/tx"
)

func init() {
	register(command{name: "confirm", summary: "keep a pending transaction (ID or last) before its guardian rolls it back", run: runConfirm})
}

// runConfirm is `rewire confirm ID`, from any session: the change made by
// `run --confirm` stays.
func runConfirm(args []string) int {
	fs := flag.NewFlagSet("confirm", flag.ContinueOnError)
	var tf targetFlags
	tf.add(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		return fail("confirm: name one pending transaction (its ID, or last)")
	}
	st, err := tx.OpenStore(tf.stateDir)
	if err != nil {
		return fail("%v", err)
	}
	id := fs.Arg(0)
	if id == "last" {
		if id, err = lastPending(st); err != nil {
			return fail("confirm: %v", err)
		}
	}
	if err := st.Confirm(id); err != nil {
		return fail("confirm: %v", err)
	}
	fmt.Fprintf(os.Stderr, "confirmed transaction %s: its changes stay\n", id)
	return 0
}

// lastPending is the newest transaction waiting for a confirmation.
func lastPending(st *tx.Store) (string, error) {
	all, err := st.List()
	if err != nil {
		return "", err
	}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].State == tx.StatePending {
			return all[i].ID, nil
		}
	}
	return "", fmt.Errorf("no transaction is pending")
}
