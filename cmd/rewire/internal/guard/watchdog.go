package guard

import (
	"path/filepath"
	"time"

	"rewire/bindings/tx"
)

// LockFD is the descriptor number a setsid guardian finds the lock at.
const LockFD = 3

// pollEvery is how often the guardian and the waiting run read the journal.
var pollEvery = 200 * time.Millisecond

// LogPath is where a transaction's guardian writes what it did.
func LogPath(st *tx.Store, id string) string {
	return filepath.Join(st.Dir, "journal", id+".guardian.log")
}

func now() string { return time.Now().Format(time.TimeOnly) }
