//go:build cgo

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"rewire/bindings/modules"
	"rewire/cmd/rewire/internal/plan"
	"rewire/lua/engine"
	"rewire/lua/script"
)

func init() {
	register(command{name: "plan", summary: "list the changes a recipe would make, with firewall and XML diffs, touching nothing", run: runPlan})
}

func runPlan(args []string) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	var tf targetFlags
	tf.add(fs)
	var sf scriptFlags
	sf.add(fs, "plan")
	opts, grant, code := sf.parse("plan", fs, args)
	if code != 0 {
		return code
	}
	return dryRun(tf, opts, grant, sf.confirm, sf.noGuard)
}

// dryRun is `rewire plan` and `rewire run --dry-run`: the recipe runs on
// a throw-away replica of the target and the changes it made are listed.
// The recipe's own output goes to stderr, the plan to stdout.
func dryRun(tf targetFlags, o script.Options, grant engine.Caps, confirm time.Duration, noGuard bool) int {
	tg, _, err := tf.open()
	if err != nil {
		return fail("%v", err)
	}
	defer tg.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	p, err := plan.Make(ctx, tg, plan.Options{File: o.File, Chunk: o.Chunk, Args: o.Args,
		Modules: modules.All, Out: os.Stderr, Confirm: confirm, NoGuard: noGuard,
		Limits:  o.Limits,
		Prepare: func(e *engine.Engine) { e.Grant(grant) }})
	if p == nil {
		return fail("%v", err)
	}
	if tf.json {
		json.NewEncoder(os.Stdout).Encode(p)
	} else {
		p.Write(os.Stdout)
	}
	if p.Err != nil {
		fmt.Fprintln(os.Stderr, p.Err.Error())
		return 1
	}
	if err != nil {
		return fail("%v", err)
	}
	return 0
}
