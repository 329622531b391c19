package tx

import (
	"encoding/json"
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
	// Diff shows a change as text before and after, for plans.
	Diff func(data json.RawMessage) (before, after string)
	// Group, when set, names the object a change's undo touches (a
	// guest): a rollback undoes consecutive changes of such kinds side by
	// side across groups, each group's newest first (undo.go).
	Group func(data json.RawMessage) string
	// UndoGroup, when set (with Group), undoes a run of one group's
	// consecutive changes of this kind at once, given newest first: what
	// Undo of each in turn would leave, with what they share done once.
	// It returns one error per change (nil: undone).
	UndoGroup func(tg *target.Target, data []json.RawMessage) []error
	// DriftGroup, when set (with Group and Drift), is Drift of several
	// changes of one group at once: one error per change.
	DriftGroup func(tg *target.Target, data []json.RawMessage) []error
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]Kind{}
)

// Register makes a change kind known; bindings declare theirs with
// NewKind, which calls it.
func Register(name string, k Kind) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if _, dup := kinds[name]; dup {
		panic("tx: change kind registered twice: " + name)
	}
	kinds[name] = k
}

func lookupKind(name string) (Kind, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	k, ok := kinds[name]
	return k, ok
}
