package tx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"
)

// Confirm-or-revert: a run marks its transaction pending with a deadline
// and detaches; a guardian process holds the store lock and rolls the
// transaction back from the journal unless Confirm is called in time.
// Confirm and RevertPending exclude each other with a flock on the
// transaction's journal file, so exactly one of them wins.

// NotPendingError says a transaction is no longer waiting for a confirmation.
type NotPendingError struct {
	ID, State string
}

func (e *NotPendingError) Error() string {
	return fmt.Sprintf("transaction %s is %s, not pending: nothing to confirm or revert", e.ID, e.State)
}

// ErrTooLate is returned by Confirm once the deadline has passed.
var ErrTooLate = errors.New("the confirmation deadline has passed; the guardian is rolling it back")

// Confirm keeps a pending transaction: pending -> committed, recorded in
// its journal. It works from any process (`rewire confirm ID`) while the
// guardian holds the store lock.
func (s *Store) Confirm(id string) error {
	return s.appendIfPending(id, func(sum *Summary) (Record, error) {
		if !sum.Deadline.IsZero() && time.Now().After(sum.Deadline) {
			return Record{}, fmt.Errorf("transaction %s: %w", id, ErrTooLate)
		}
		return Record{T: "end", State: StateCommitted}, nil
	})
}

// appendIfPending appends the record next makes to a transaction's
// journal, under the journal's lock, if it is still pending.
func (s *Store) appendIfPending(id string, next func(*Summary) (Record, error)) error {
	return s.appendIfState(id, []string{StatePending}, next)
}

// appendIfState appends the record next makes to a transaction's journal,
// under the journal's lock, if its state is one of states.
func (s *Store) appendIfState(id string, states []string, next func(*Summary) (Record, error)) error {
	unlock, err := s.lockJournal(id)
	if err != nil {
		return err
	}
	defer unlock()
	sum, err := s.Load(id)
	if err != nil {
		return err
	}
	if !slices.Contains(states, sum.State) {
		return &NotPendingError{ID: id, State: sum.State}
	}
	rec, err := next(sum)
	if err != nil {
		return err
	}
	j, err := s.appendJournal(id)
	if err != nil {
		return err
	}
	defer j.close()
	return j.append(rec)
}

// RevertNow asks for a pending transaction to be rolled back at once
// (Ctrl-C at the countdown, `rewire rollback ID`): it moves the deadline
// to now in the journal, and the guardian, which holds the store lock,
// rolls it back at its next look. Refused (*NotPendingError) once the
// transaction was confirmed or rolled back.
func (s *Store) RevertNow(id string) error {
	return s.appendIfPending(id, func(*Summary) (Record, error) {
		return Record{T: "state", State: StatePending, Time: time.Now()}, nil
	})
}

// RevertPending rolls a pending transaction back from its journal (what
// the guardian does at the deadline). It takes the store lock (a no-op
// when this process already holds it, as the guardian does) and refuses
// with *NotPendingError when the transaction was confirmed meanwhile.
func (s *Store) RevertPending(id string, onUndo func(UndoResult)) (*Report, error) {
	if err := s.Lock(id, false); err != nil {
		return nil, err
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
	if sum.State != StatePending {
		return nil, &NotPendingError{ID: id, State: sum.State}
	}
	return s.undoSummary(sum, onUndo)
}

// WaitPending polls a transaction's journal every poll until it is no
// longer pending (confirmed, rolled back), its deadline passes, or ctx
// ends. It returns the summary as last read; the caller tells which by
// its State and Deadline.
func (s *Store) WaitPending(ctx context.Context, id string, poll time.Duration) (*Summary, error) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		sum, err := s.Load(id)
		if err != nil {
			return nil, err
		}
		if sum.State != StatePending || (!sum.Deadline.IsZero() && !time.Now().Before(sum.Deadline)) {
			return sum, nil
		}
		select {
		case <-ctx.Done():
			return sum, ctx.Err()
		case <-t.C:
		}
	}
}

// HandOverLock returns a duplicate of the held store lock's descriptor for
// a child process (exec.Cmd.ExtraFiles): the flock belongs to the open
// file, so it stays held, with no gap another run could slip into, for as
// long as either process keeps a copy open.
func (s *Store) HandOverLock(holder string) (*os.File, error) {
	if s.lock == nil {
		return nil, errors.New("lock: not held, nothing to hand over")
	}
	// Name the new holder now, so nobody reads the old one in between.
	s.lock.Truncate(0)
	s.lock.WriteAt([]byte(holder), 0)
	s.lock.Sync()
	fd, err := syscall.Dup(int(s.lock.Fd()))
	if err != nil {
		return nil, fmt.Errorf("lock: dup: %w", err)
	}
	syscall.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), s.lock.Name()), nil
}

// AdoptLock makes f, a descriptor handed over by HandOverLock, this
// store's lock, after checking it is this store's lock file and that the
// lock is held through it; holder is written for a second run to name.
func (s *Store) AdoptLock(f *os.File, holder string) error {
	if err := s.checkLockFile(f); err != nil {
		return err
	}
	f.Truncate(0)
	f.WriteAt([]byte(holder), 0)
	f.Sync()
	s.lock = f
	return nil
}

// checkLockFile checks that f is this store's lock file and that the lock
// is held through it.
func (s *Store) checkLockFile(f *os.File) error {
	path := filepath.Join(s.Dir, "lock")
	var got, want syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &got); err != nil {
		return fmt.Errorf("lock: handed-over descriptor: %w", err)
	}
	if err := syscall.Stat(path, &want); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	if got.Dev != want.Dev || got.Ino != want.Ino {
		return fmt.Errorf("lock: handed-over descriptor is not %s", path)
	}
	// On the same open file this succeeds at once; anywhere else it would
	// mean someone else holds the lock.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return fmt.Errorf("lock: handed-over descriptor does not hold the lock: %w", err)
	}
	return nil
}

// lockJournal takes an exclusive flock on one transaction's journal file.
func (s *Store) lockJournal(id string) (func(), error) {
	f, err := os.Open(s.journalPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("transaction %s: not in the journal (%s)", id, filepath.Join(s.Dir, "journal"))
	}
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: lock: %w", id, err)
	}
	return func() { f.Close() }, nil
}
