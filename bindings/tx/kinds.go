package tx

import (
	"encoding/json"
	"fmt"
	"sync"

	"rewire/bindings/target"
)

// Kind is what a binding registers for each kind of change it makes: how
// to undo it from the prior state stored in the journal, and (optionally)
// how to tell whether the host still looks the way the change left it.
// Both work from the journal's data alone, so a different process —
// `rewire recover` after a crash — can run them.
type Kind struct {
	// Undo restores the prior state. It must be idempotent: it tolerates a
	// change that never happened, half happened, or was already undone.
	Undo func(tg *target.Target, data json.RawMessage) error
	// Drift, when set, returns an error describing how the object differs
	// from what the change left; rolling back a committed transaction
	// refuses on drift, since an undo would then clobber someone's work.
	Drift func(tg *target.Target, data json.RawMessage) error
	// OutlivesBoot marks changes that a reboot keeps (files, libvirt
	// definitions): after one, only these are undone; the kernel's went
	// with the boot.
	OutlivesBoot bool
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]Kind{}
)

// Register makes a change kind known. Bindings call it from init.
func Register(name string, k Kind) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if _, dup := kinds[name]; dup {
		panic("tx: change kind registered twice: " + name)
	}
	kinds[name] = k
}

// RegisterFunc registers a kind whose journal data decodes into T.
func RegisterFunc[T any](name string, undo func(*target.Target, T) error, drift func(*target.Target, T) error) {
	k := Kind{Undo: func(tg *target.Target, raw json.RawMessage) error {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("journal data of %s: %w", name, err)
		}
		return undo(tg, v)
	}}
	if drift != nil {
		k.Drift = func(tg *target.Target, raw json.RawMessage) error {
			var v T
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("journal data of %s: %w", name, err)
			}
			return drift(tg, v)
		}
	}
	Register(name, k)
}

// MarkOutlivesBoot says that changes of the named, registered kinds
// survive a reboot (Kind.OutlivesBoot).
func MarkOutlivesBoot(names ...string) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	for _, n := range names {
		k, ok := kinds[n]
		if !ok {
			panic("tx: MarkOutlivesBoot of unregistered kind " + n)
		}
		k.OutlivesBoot = true
		kinds[n] = k
	}
}

func lookupKind(name string) (Kind, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	k, ok := kinds[name]
	return k, ok
}
