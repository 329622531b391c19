package script_test

import (
	"context"
	"io"
	"testing"
	"time"

	"rewire/bindings/link"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/lua/engine"
	"rewire/lua/script"
)

// A script that changes the host and then goes past a limit — in its
// body or in a check — ends as a limit error and every change is undone.
func TestScriptPastItsLimitRollsBack(t *testing.T) {
	for name, c := range map[string]struct {
		limits engine.Limits
		chunk  string
		want   string
	}{
		"memory": {engine.Limits{Memory: 128 << 20}, `link.set("lo", { mtu = 1400 })
			local t = {} while true do t[#t+1] = string.rep("x", 1e6) end`, "script exceeded its memory limit (128 MiB)"},
		"time in a check": {engine.Limits{Timeout: 300 * time.Millisecond}, `link.set("lo", { mtu = 1400 })
			check("spins", function() while true do end end)`, "script exceeded its time limit (300ms)"},
	} {
		t.Run(name, func(t *testing.T) {
			tg := nstest.New(t)
			st, err := tx.OpenStore(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			var undone []tx.UndoResult
			s := &tx.Session{Store: st, Target: tg, OnUndo: func(r tx.UndoResult) { undone = append(undone, r) }}
			e := engine.New(io.Discard, link.Module(s))
			defer e.Close()
			done := make(chan *script.Result, 1)
			go func() {
				done <- script.Run(context.Background(), s, e, script.Options{Chunk: c.chunk, Limits: c.limits})
			}()
			var res *script.Result
			select {
			case res = <-done:
			case <-time.After(time.Minute):
				t.Fatal("the script was not stopped within a minute")
			}
			if res.Err == nil || res.Err.Kind != engine.KindLimit || res.Error != c.want {
				t.Fatalf("want %q, got %#v", c.want, res.Err)
			}
			if res.State != tx.StateRolledBack || len(undone) != 1 || undone[0].Err != nil {
				t.Fatalf("state %s, undo %+v", res.State, undone)
			}
			if lo, _ := link.Get(tg, "lo"); lo.MTU != 65536 {
				t.Fatalf("lo's mtu is %d after the rollback", lo.MTU)
			}
		})
	}
}
