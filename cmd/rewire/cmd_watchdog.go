package main

import (
	"flag"
	"fmt"
	"os"

	"rewire/bindings/tx"
	"rewire/cmd/rewire/internal/guard"
)

func init() {
	register(command{name: "watchdog", summary: "(internal) started by run --confirm: rolls back a pending transaction at its deadline", run: runWatchdog})
}

// runWatchdog is the detached process `run --confirm` starts; it writes
// what it does to the transaction's watchdog log, since it has no terminal.
func runWatchdog(args []string) int {
	fs := flag.NewFlagSet("watchdog", flag.ContinueOnError)
	stateDir := fs.String("state-dir", "", "journal and lock directory")
	lockFD := fs.Int("lock-fd", -1, "descriptor of the store lock handed over by the run")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		return fail("watchdog: name one pending transaction")
	}
	st, err := tx.OpenStore(*stateDir)
	if err != nil {
		return fail("%v", err)
	}
	id := fs.Arg(0)
	log, err := os.OpenFile(guard.LogPath(st, id), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fail("watchdog: %v", err)
	}
	defer log.Close()
	var lock *os.File
	if *lockFD >= 0 {
		lock = os.NewFile(uintptr(*lockFD), "lock")
	}
	if err := guard.Watch(st, id, lock, log); err != nil {
		fmt.Fprintf(log, "watchdog: %v\n", err)
		return fail("watchdog: %v", err)
	}
	return 0
}
