package tx

import (
	"context"

	"rewire/lua/engine"
)

// Result is what one script run did.
type Result struct {
	TxID     string               `json:"transaction,omitempty"`
	Err      *engine.Error        `json:"-"`
	Error    string               `json:"error,omitempty"`
	Checks   []engine.CheckResult `json:"checks,omitempty"`
	Steps    []*Step              `json:"steps"`
	Rollback *Report              `json:"-"`
	State    string               `json:"state"`
}

// RunOptions says what to run: a file, or a chunk (`run -e`).
type RunOptions struct {
	File   string
	Chunk  string
	Args   []string
	Commit func(*Session) error // replaces the plain commit (confirm-or-revert); nil: commit
}

// RunScript runs one script inside one transaction: the script, then its
// checks; any error or failed check rolls every change back (each undo
// step reported through the session's OnUndo), else it commits.
func RunScript(ctx context.Context, s *Session, e *engine.Engine, o RunOptions) *Result {
	res := &Result{}
	var lerr *engine.Error
	if o.File != "" {
		lerr = e.DoFile(ctx, o.File, o.Args)
	} else {
		e.SetArgs("-e", o.Args)
		lerr = e.DoString(ctx, o.Chunk, "(command line)")
	}
	if lerr == nil {
		var ok bool
		res.Checks, ok = e.RunChecks(ctx)
		if !ok {
			for _, c := range res.Checks {
				if !c.OK {
					lerr = &engine.Error{Kind: engine.KindCheck, Op: "check", Object: c.Name, Message: c.Err}
					break
				}
			}
		}
	}
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
		res.State = StateRolledBack
		if res.Rollback.Failed() > 0 {
			res.State = StateIncomplete
		}
		return res
	}
	commit := o.Commit
	if commit == nil || s.Current() == nil || s.DryRun {
		commit = func(s *Session) error { _, err := s.Commit(); return err }
	}
	if err := commit(s); err != nil {
		res.Err = &engine.Error{Kind: engine.KindSystem, Op: "commit", Message: err.Error()}
		res.Error = res.Err.Error()
		res.Rollback = s.Rollback()
		res.State = StateRolledBack
		return res
	}
	res.State = StateCommitted
	return res
}
