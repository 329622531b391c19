package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"rewire/bindings/bond/kerneltest"
	"rewire/bindings/probe"
	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/cmd/rewire/internal/bench/lanprobe"
	"rewire/lua/engine"
	"rewire/lua/script"
)

// recipeArgs: the slaves; bond options and bridge are the recipe's
// defaults (active-backup, miimon 100, br0), as the script's are.
var recipeArgs = []string{"ens32,ens36"}

// cut is the host under measurement and the state every rep starts from.
type cut struct {
	tb        *programTB
	host, lan *target.Target
	store     *tx.Store
	storeDir  string
	recipe    string
	before    string // kerneltest.Snapshot of the host
	trace     bool   // print each rep's changes and probe runs (trace)
	watch     bool   // and follow the LAN bridge while the job runs (watchLAN)
	profile   string // CPU profile of each rewire job to profile-REP.pprof ("" for none)
	reps      int
}

// rewire runs the recipe in-process as `rewire run` does (engine, one
// transaction, its checks, commit) under the prober, notes where the
// longest gap fell in the journal, and rolls the transaction back.
func (c *cut) rewire(side *lanprobe.Side) error {
	s := &tx.Session{Store: c.store, Target: c.host, Script: c.recipe, Args: recipeArgs}
	var res *script.Result
	var took time.Duration
	var start time.Time
	var cpu time.Duration
	if c.watch {
		// From before the probing to after it: an outage may outlast the job.
		stop, done := make(chan struct{}), make(chan struct{})
		go c.watchLAN(time.Now().Add(lanprobe.WarmUp), stop, done)
		defer func() { close(stop); <-done }()
	}
	tl, err := lanprobe.During(c.host, c.lan, hostIP, func() error {
		start = time.Now()
		defer cpuSince(cpuTime(), &cpu)
		if c.trace {
			hostBefore, lanBefore := counters(c.host), counters(c.lan)
			defer func() {
				printDelta("host", hostBefore, counters(c.host))
				printDelta("lan", lanBefore, counters(c.lan))
			}()
		}
		if c.profile != "" {
			c.reps++
			defer profileJob(fmt.Sprintf("%s-%d.pprof", c.profile, c.reps))()
		}
		e := engine.New(io.Discard, kerneltest.Modules(s)...)
		defer e.Close()
		res = script.Run(context.Background(), s, e, script.Options{File: c.recipe, Args: recipeArgs})
		took = time.Since(start)
		if res.Err != nil {
			return res.Err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", c.recipe, err)
	}
	o := tl.Outage()
	side.Add(o, took)
	cause := "no journal"
	spans, err := lanprobe.LastSpans(c.storeDir)
	if err == nil {
		cause = lanprobe.GapCause(o.GapFrom, o.GapTo, spans)
	}
	if c.trace {
		trace(fmt.Sprintf("rewire (job %v, process CPU %v)", took.Round(time.Millisecond), cpu.Round(time.Millisecond)), start, tl, spans)
	}
	side.Causes = append(side.Causes, cause)
	rep, err := c.store.RollbackCommitted(res.TxID, false, nil)
	if err == nil {
		err = rep.Err()
	}
	if err != nil {
		return fmt.Errorf("rollback of %s: %w", res.TxID, err)
	}
	if c.trace {
		c.traceLAN("after the rollback")
	}
	return c.settled("rollback")
}

// burnControl probes while the job only keeps one CPU busy for d (as the
// recipe's job does, in one goroutine), and traces it: the gap the VM's
// load alone makes.
func (c *cut) burnControl(d time.Duration) error {
	var start time.Time
	tl, err := lanprobe.During(c.host, c.lan, hostIP, func() error {
		start = time.Now()
		burn(d, 1)
		return nil
	})
	if err != nil {
		return err
	}
	trace(fmt.Sprintf("burn %v", d), start, tl, nil)
	return nil
}

// script runs the `ip` script under the prober, then its reverse.
func (c *cut) script(side *lanprobe.Side) error {
	var took time.Duration
	tl, err := lanprobe.During(c.host, c.lan, hostIP, func() error {
		start := time.Now()
		_, err := c.host.Run(nil, "sh", "-c", cutScript())
		took = time.Since(start)
		return err
	})
	if err != nil {
		return fmt.Errorf("ip script: %w", err)
	}
	side.Add(tl.Outage(), took)
	if _, err := c.host.Run(nil, "sh", "-c", revertScript()); err != nil {
		return fmt.Errorf("reverse ip script: %w", err)
	}
	return c.settled("reverse ip script")
}

// settled waits until the host is back in the state the reps start from:
// every link with carrier, links, addresses and routes as before, and the
// LAN reaching the host (its bridge may first have to relearn the MAC).
func (c *cut) settled(after string) error {
	nstest.WaitCarrier(c.tb, c.host, "ens32", "ens36")
	nstest.WaitCarrier(c.tb, c.lan, "lan-a", "lan-b", nstest.LabBridge)
	now, err := kerneltest.Snapshot(c.host)
	if err != nil {
		return err
	}
	if now != c.before {
		fmt.Fprintf(os.Stderr, "before:\n%s\nafter the %s:\n%s\n", c.before, after, now)
		return fmt.Errorf("after the %s the host is not as before (both printed above)", after)
	}
	if ok, err := probe.Ping(c.lan, hostIP, probe.Options{Count: 5, Timeout: time.Second}); !ok {
		c.traceLAN("the LAN cannot reach the host")
		return fmt.Errorf("after the %s the LAN does not reach %s (%v)", after, hostIP, err)
	}
	return nil
}
