package tx

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// What a guardian needs of the store: a share of the lock the owner
// holds (so no other transaction slips in when the owner dies), and a
// rollback of a transaction whose owner is gone.

// DupLock returns a duplicate of the held store lock's descriptor, for a
// guardian: the flock belongs to the open file, so the lock stays held
// for as long as any copy is open. Unlike HandOverLock it leaves the
// holder's name alone: the owner still holds it.
func (s *Store) DupLock() (*os.File, error) {
	if s.lock == nil {
		return nil, errors.New("lock: not held, nothing to share")
	}
	fd, err := syscall.Dup(int(s.lock.Fd()))
	if err != nil {
		return nil, fmt.Errorf("lock: dup: %w", err)
	}
	syscall.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), s.lock.Name()), nil
}

// ShareLock makes f, a copy of the owner's lock descriptor (DupLock, or
// taken with pidfd_getfd), this store's lock without renaming the holder.
func (s *Store) ShareLock(f *os.File) error {
	if err := s.checkLockFile(f); err != nil {
		return err
	}
	s.lock = f
	return nil
}

// SetHolder renames the lock's holder, for a second run to name: a
// guardian that takes a transaction over.
func (s *Store) SetHolder(holder string) {
	if s.lock != nil {
		s.lock.Truncate(0)
		s.lock.WriteAt([]byte(holder), 0)
		s.lock.Sync()
	}
}

// Abandon records that a transaction's owner is gone and that it is
// rolled back at deadline unless confirmed (`rewire confirm ID` keeps it):
// a REPL's grace.
func (s *Store) Abandon(id string, deadline time.Time) error {
	return s.appendIfState(id, []string{StateOpen, StatePending}, func(*Summary) (Record, error) {
		return Record{T: "state", State: StatePending, Time: deadline}, nil
	})
}

// RollbackAbandoned rolls back, from its journal, a transaction whose
// owner died before ending it — what `rewire recover` does, for one
// transaction, by a process that already holds the store lock.
func (s *Store) RollbackAbandoned(id string, onUndo func(UndoResult)) (*Report, error) {
	if s.lock == nil {
		return nil, errors.New("lock: not held")
	}
	unlock, err := s.lockJournal(id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	sum, err := s.Load(id)
	if err != nil {
		return nil, err
	}
	if !sum.Unfinished() {
		return nil, &NotPendingError{ID: id, State: sum.State}
	}
	return s.undoSummary(sum, onUndo)
}
