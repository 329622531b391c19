// Package plan is `rewire plan` (and `run --dry-run`): the ordered list of
// changes a run would make, with firewall and domain XML diffs, made
// without touching the host.
//
// A dry run that only records changes (tx.Session.DryRun) cannot follow a
// recipe whose later steps read what earlier ones create (bridge.add_port
// after bridge.create). So the plan runs the recipe for real against a
// Replica of the target's network namespace, where every kernel change is
// applied, journaled and then rolled back, and the namespace thrown away.
// Libvirt networks are copied into libvirt's in-memory test driver and
// changed there (copyNetworks). What neither can hold — guests, files — is
// listed and never applied (tx.Session.Simulate): guests are read from the
// real daemon and left alone. Checks are listed, not run: a
// replica's probes would not reach the real gateway.
package plan

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"rewire/bindings/firewalld"
	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/bindings/virtconn"
	"rewire/lua/engine"
)

// Options say what to plan, as `rewire run` takes it.
type Options struct {
	File    string   // the recipe, or
	Chunk   string   // a chunk (`-e`)
	Args    []string // the recipe's arg
	Modules func(*tx.Session) []engine.Module
	Out     io.Writer            // the recipe's print output (nil: discarded)
	Prepare func(*engine.Engine) // grants and the like, as run does them (optional)
	Limits  engine.Limits        // run's --memory and --timeout
	Confirm time.Duration        // run's --confirm
	NoGuard bool                 // run's --no-guard
}

// Plan is what a run would do.
type Plan struct {
	Steps  []Step   `json:"steps"`
	Checks []string `json:"checks"`
	Guard  Guard    `json:"guard"`
	Error  string   `json:"error,omitempty"`

	Err *engine.Error `json:"-"` // the recipe's error, as run would report it
}

// Step is one change, numbered as the run's journal numbers it. A recipe
// that calls tx.commit() journals several transactions: Tx counts them.
type Step struct {
	Tx       int    `json:"tx,omitempty"`
	Seq      int    `json:"seq"`
	Kind     string `json:"kind"`
	Object   string `json:"object,omitempty"`
	Desc     string `json:"desc"`
	Undone   bool   `json:"undone,omitempty"`   // the recipe itself rolled it back (tx.rollback_to)
	Listed   bool   `json:"listed,omitempty"`   // libvirt or files: listed, not tried on the replica
	Firewall string `json:"firewall,omitempty"` // diff of iptables-save lines this step makes
	XML      string `json:"xml,omitempty"`      // diff of the domain XML this step makes
}

// listedOnly says which kinds of change the plan lists without applying
// them anywhere: guests, files and firewalld zones (decided by asking the
// target's own firewalld), and networks too when there was no daemon to
// copy them from.
func listedOnly(networksCopied bool) func(tx.Change) bool {
	kinds := []string{"domain.", "files.", "firewalld."}
	if !networksCopied {
		kinds = append(kinds, "network.")
	}
	return func(c tx.Change) bool {
		for _, p := range kinds {
			if strings.HasPrefix(c.Kind, p) {
				return true
			}
		}
		return false
	}
}

// Make plans o against tg and leaves tg exactly as it was. An error is
// returned when no replica could be built; the recipe's own error is in
// Plan.Err, with the steps made before it.
func Make(ctx context.Context, tg *target.Target, o Options) (*Plan, error) {
	dir, err := os.MkdirTemp("", "rewire-plan-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	rep, err := NewReplica(tg, dir)
	if err != nil {
		return nil, err
	}
	defer rep.Close()
	defer firewalld.AskOrigin(rep.Target, tg)()
	if rep.NetworksURI, err = copyNetworks(tg, dir); err != nil {
		return nil, err
	}
	if rep.NetworksURI != "" {
		defer virtconn.Disconnect(rep.NetworksURI)
	}
	st, err := tx.OpenStore(filepath.Join(dir, "journal"))
	if err != nil {
		return nil, err
	}
	p := &Plan{Steps: []Step{}, Checks: []string{}}
	s := &tx.Session{Store: st, Target: rep.Target, Script: o.File, Args: o.Args, Simulate: listedOnly(rep.NetworksURI != "")}
	fw := rules(rep.Target)
	diffs := map[string]string{} // by transaction id/seq
	var replicaErr error         // what libvirt would have done could not be mimicked
	s.OnApply = func(step *tx.Step) {
		if err := startedNetwork(rep.Target, step); err != nil && replicaErr == nil {
			replicaErr = err
		}
		if !strings.HasPrefix(step.Kind, "nat.") { // only nat touches the firewall
			return
		}
		now := rules(rep.Target)
		diffs[s.Current().ID+"/"+fmt.Sprint(step.Seq)] = lineDiff(fw, now)
		fw = now
	}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	e := engine.New(out, o.Modules(s)...)
	defer e.Close()
	e.SetLimits(o.Limits)
	if o.Prepare != nil {
		o.Prepare(e)
	}
	if o.File != "" {
		p.Err = e.DoFile(ctx, o.File, o.Args)
	} else {
		e.SetArgs("-e", o.Args)
		p.Err = e.DoString(ctx, o.Chunk, "(command line)")
	}
	txs := s.Committed()
	if t := s.Current(); t != nil {
		txs = append(txs, t)
	}
	var steps []*tx.Step
	for _, c := range e.Checks() {
		p.Checks = append(p.Checks, c.Name)
	}
	for i, t := range txs {
		for _, st := range t.Steps() {
			// Rules carry the transaction's id as a tag; the replica's means nothing.
			fw := strings.ReplaceAll(diffs[t.ID+"/"+fmt.Sprint(st.Seq)], t.ID, "<transaction>")
			p.Steps = append(p.Steps, Step{Tx: i, Seq: st.Seq, Kind: st.Kind, Object: st.Obj, Desc: st.Desc,
				Undone: st.Undone, Listed: st.Simulated, Firewall: fw, XML: lineDiff(tx.DiffOf(st))})
			steps = append(steps, st)
		}
	}
	p.Guard = guardOf(tg, steps, o)
	if p.Err != nil {
		p.Error = p.Err.Error()
		if replicaErr != nil {
			p.Error += fmt.Sprintf(" (the plan could not mimic libvirt here: %v)", replicaErr)
		}
	}
	// Undo on the replica too, newest first: it stops what the run
	// started there (dnsmasq).
	if err := s.Rollback().Err(); err != nil {
		return p, fmt.Errorf("plan: cleaning up the replica: %w", err)
	}
	committed := s.Committed()
	for i := len(committed) - 1; i >= 0; i-- {
		undone, err := st.RollbackCommitted(committed[i].ID, true, nil)
		if err == nil {
			err = undone.Err()
		}
		if err != nil {
			return p, fmt.Errorf("plan: cleaning up the replica: %w", err)
		}
	}
	return p, nil
}
