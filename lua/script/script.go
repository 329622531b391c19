// Package script runs a Lua recipe inside one transaction: the script,
// then its checks, under the engine's limits; any error or failed check
// rolls every change back, else it commits. It joins the engine and the
// transaction core, which know nothing of each other.
package script

import (
	"context"

	"rewire/bindings/errkind"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// Result is what one script run did.
type Result struct {
	TxID     string               `json:"transaction,omitempty"`
	Err      *engine.Error        `json:"-"`
	Error    string               `json:"error,omitempty"`
	Checks   []engine.CheckResult `json:"checks,omitempty"`
	Steps    []*tx.Step           `json:"steps"`
	Rollback *tx.Report           `json:"-"`
	State    string               `json:"state"`
}

// Options says what to run: a file, or a chunk (`run -e`).
type Options struct {
	File   string
	Chunk  string
	Args   []string
	Limits engine.Limits           // memory and time for the script and its checks together; zero: the engine's (none unless set)
	Commit func(*tx.Session) error // replaces the plain commit (confirm-or-revert); nil: commit
	// AfterScript, if set, runs after the script and before its checks,
	// inside the transaction (`run --persist`): its error rolls back
	// like the script's, and a failed check rolls its changes back too.
	AfterScript func(*tx.Session) error
}

// Run runs one script inside one transaction: the script, then its
// checks; any error or failed check rolls every change back (each undo
// step reported through the session's OnUndo), else it commits. The
// script and its checks are one limited run: going past its memory or
// time limit is an error like any other. The rollback and the commit are
// not bounded by them.
func Run(ctx context.Context, s *tx.Session, e *engine.Engine, o Options) *Result {
	res := &Result{}
	if o.Limits != (engine.Limits{}) {
		e.SetLimits(o.Limits)
	}
	sctx, stop := e.Limit(ctx)
	lerr := runAndCheck(sctx, s, e, o, res)
	stop()
	if t := s.Current(); t != nil {
		res.TxID = t.ID
		res.Steps = t.Steps()
	}
	if s.DryRun {
		res.Steps = s.Planned()
		res.TxID = ""
	}
	if lerr != nil {
		res.Err, res.Error = lerr, lerr.Error()
		res.Rollback = s.Rollback()
		res.State = tx.StateRolledBack
		if res.Rollback.Failed() > 0 {
			res.State = tx.StateIncomplete
		}
		return res
	}
	commit := o.Commit
	if commit == nil || s.Current() == nil || s.DryRun {
		commit = func(s *tx.Session) error { _, err := s.Commit(); return err }
	}
	if err := commit(s); err != nil {
		res.Err = &engine.Error{Kind: engine.KindSystem, Op: "commit", Message: err.Error()}
		res.Error = res.Err.Error()
		res.Rollback = s.Rollback()
		res.State = tx.StateRolledBack
		return res
	}
	res.State = tx.StateCommitted
	return res
}

// runAndCheck runs the script, then its checks, and returns what ends the
// run: the script's error, a limit a check went past, or the first
// failed check.
func runAndCheck(ctx context.Context, s *tx.Session, e *engine.Engine, o Options, res *Result) *engine.Error {
	var lerr *engine.Error
	if o.File != "" {
		lerr = e.DoFile(ctx, o.File, o.Args)
	} else {
		e.SetArgs("-e", o.Args)
		lerr = e.DoString(ctx, o.Chunk, "(command line)")
	}
	if lerr != nil {
		return lerr
	}
	if o.AfterScript != nil {
		if err := o.AfterScript(s); err != nil {
			return &engine.Error{Kind: errkind.Of(err), Op: "persist", Message: err.Error()}
		}
	}
	var ok bool
	if res.Checks, ok = e.RunChecks(ctx); ok {
		return nil
	}
	if lerr := engine.LimitExceeded(ctx); lerr != nil {
		return lerr
	}
	for _, c := range res.Checks {
		if !c.OK {
			return &engine.Error{Kind: engine.KindCheck, Op: "check", Object: c.Name, Message: c.Err}
		}
	}
	return nil
}
