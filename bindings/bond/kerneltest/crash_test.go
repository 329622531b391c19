package kerneltest

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"

	"rewire/bindings/tx"
	"rewire/lua/engine"
	"rewire/lua/script"
)

// TestBondThenBridgeKilledAtEveryStep stops the recipe dead at change k —
// journal intent written, change not made, no end record, as kill -9
// leaves it — and requires `rewire recover` (a fresh store reading the
// journal alone) to bring the host back to the exact prior state.
func TestBondThenBridgeKilledAtEveryStep(t *testing.T) {
	NeedVM(t)
	const steps = 11 // what TestBondThenBridgeFailAtEveryStep lists
	for k := 1; k <= steps; k++ {
		t.Run(fmt.Sprintf("step%d", k), func(t *testing.T) {
			h := newS3Host(t)
			before := h.snapshot(t)
			dir := t.TempDir()
			store, err := tx.OpenStore(dir)
			must(t, err)
			s := &tx.Session{Store: store, Target: h.host, Script: "bond-then-bridge.lua"}
			died := make(chan struct{})
			s.Inject = func(seq int) error {
				if seq == k {
					s.Current().Detach() // files and lock closed by the kernel at exit
					close(died)
					runtime.Goexit()
				}
				return nil
			}
			go func() {
				var out bytes.Buffer
				e := engine.New(&out, Modules(s)...)
				res := script.Run(context.Background(), s, e, script.Options{File: recipe, Args: recipeArgs})
				t.Errorf("the recipe finished instead of dying at step %d: %v", k, res.Err)
				close(died)
			}()
			<-died

			again, err := tx.OpenStore(dir)
			must(t, err)
			done, err := again.Recover(nil)
			if err != nil || len(done) != 1 {
				t.Fatalf("recover: %v %v", done, err)
			}
			if after := h.snapshot(t); after != before {
				t.Fatalf("state after recover differs:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}
