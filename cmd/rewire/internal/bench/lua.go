package bench

import (
	"context"
	"fmt"
	"io"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// luaRun runs a chunk on tg in its own transaction, as `rewire run -e`
// does, and commits it; any error rolls it back.
func (e *env) luaRun(tg *target.Target, name, chunk string) error {
	st, err := tx.OpenStore(e.stateDir(name))
	if err != nil {
		return err
	}
	s := &tx.Session{Store: st, Target: tg, Script: name}
	en := engine.New(io.Discard, e.Modules(s)...)
	defer en.Close()
	if lerr := en.DoString(context.Background(), chunk, name); lerr != nil {
		s.Rollback()
		return fmt.Errorf("%s: %s", name, lerr.Error())
	}
	if s.Current() == nil {
		return nil
	}
	_, err = s.Commit()
	return err
}

// rollbackLast rolls back the newest transaction in name's state dir, as
// `rewire rollback last` does.
func (e *env) rollbackLast(name string) error {
	st, err := tx.OpenStore(e.stateDir(name))
	if err != nil {
		return err
	}
	id, err := st.Resolve("last")
	if err != nil {
		return err
	}
	rep, err := st.RollbackCommitted(id, false, nil)
	if err != nil {
		return err
	}
	return rep.Err()
}
