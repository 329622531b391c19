package tx

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// DefaultDir is where the journal and the lock live unless
// $REWIRE_STATE_DIR says otherwise.
const DefaultDir = "/var/lib/rewire"

// Store is rewire's state directory: the journal of every transaction and
// the lock that lets one transaction be open at a time.
type Store struct {
	Dir string
	// OnWait, if set, is told once who holds the lock when Lock starts
	// waiting for it (`run --wait` says whom it waits for).
	OnWait func(holder string)
	// WaitCancel, if set, ends a waiting Lock when it closes (Ctrl-C).
	WaitCancel <-chan struct{}

	lock *os.File
}

// OpenStore opens (and creates, mode 0700) a state directory; "" means
// $REWIRE_STATE_DIR or DefaultDir.
func OpenStore(dir string) (*Store, error) {
	if dir == "" {
		dir = os.Getenv("REWIRE_STATE_DIR")
	}
	if dir == "" {
		dir = DefaultDir
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory %s: %w", dir, err)
	}
	return &Store{Dir: dir}, nil
}

// ErrLocked names the process that holds the lock.
type ErrLocked struct{ Holder string }

func (e *ErrLocked) Error() string {
	return "another transaction is open (" + e.Holder + "); wait for it, or run `rewire recover` if it crashed"
}

// Lock takes the state directory's lock for transaction id, failing fast
// (or waiting, with wait) when another process holds it.
func (s *Store) Lock(id string, wait bool) error {
	if s.lock != nil {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(s.Dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	// Waiting polls rather than blocks in flock, so that it can be
	// cancelled: a blocked flock restarts after a signal.
	for waited := false; ; waited = true {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return fmt.Errorf("lock: %w", err)
		}
		if !wait {
			f.Close()
			return &ErrLocked{Holder: readHolder(f.Name())}
		}
		if !waited && s.OnWait != nil {
			s.OnWait(readHolder(f.Name()))
		}
		select {
		case <-s.WaitCancel:
			f.Close()
			return fmt.Errorf("lock: gave up waiting for another transaction (%s)", readHolder(f.Name()))
		case <-time.After(50 * time.Millisecond):
		}
	}
	f.Truncate(0)
	fmt.Fprintf(f, "pid %d, transaction %s", os.Getpid(), id)
	f.Sync()
	s.lock = f
	return nil
}

// readHolder reads who holds the lock. The holder writes its name right
// after taking the lock, so an empty file means "just taken": look again
// briefly rather than report an unknown holder.
func readHolder(path string) string {
	for i := 0; i < 50; i++ {
		if b, _ := os.ReadFile(path); len(strings.TrimSpace(string(b))) > 0 {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "unknown holder"
}

// Unlock releases the lock. The holder's name stays in the file: it is
// only read while someone holds the lock, and a lock handed over to a
// guardian (HandOverLock) is still held through the guardian's copy.
func (s *Store) Unlock() {
	if s.lock != nil {
		s.lock.Close() // closing the descriptor drops the flock (unless handed over)
		s.lock = nil
	}
}

// newID makes a sortable transaction id: UTC time to the microsecond, so
// two transactions in one second still sort in order, plus 2 random bytes.
func newID() string {
	var b [2]byte
	rand.Read(b[:])
	return time.Now().UTC().Format("20060102-150405.000000") + "-" + hex.EncodeToString(b[:])
}

// Resolve turns "last" into the newest transaction's id.
func (s *Store) Resolve(id string) (string, error) {
	if id != "last" {
		return id, nil
	}
	all, err := s.List()
	if err != nil {
		return "", err
	}
	for i := len(all) - 1; i >= 0; i-- {
		if len(all[i].Steps) > 0 {
			return all[i].ID, nil
		}
	}
	return "", errors.New("the journal has no transaction")
}
