package tx

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"rewire/bindings/target"
)

// Record is one line of a transaction's journal file. Records are appended;
// "intent" is fsynced before a change touches the host, "done" written
// after it, so that a process killed at any point (or a host that lost
// power) leaves enough to undo what it did (durable says which are synced).
type Record struct {
	T    string          `json:"t"` // begin, intent, done, undo, savepoint, end
	Time time.Time       `json:"time"`
	Seq  int             `json:"seq,omitempty"`
	Kind string          `json:"kind,omitempty"`
	Obj  string          `json:"obj,omitempty"`
	Ends []string        `json:"ends,omitempty"`
	Desc string          `json:"desc,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
	Err  string          `json:"err,omitempty"`
	Gone string          `json:"gone,omitempty"` // undo: nothing to do, the change went with a reboot

	// begin
	Target *target.Spec `json:"target,omitempty"`
	Script string       `json:"script,omitempty"`
	Args   []string     `json:"args,omitempty"`
	PID    int          `json:"pid,omitempty"`
	// OwnerStart is the owner's start time (clock ticks after boot, as
	// /proc/PID/stat has it), so a reused pid is not taken for the owner.
	OwnerStart uint64 `json:"owner_start,omitempty"`

	// savepoint, end
	Name  string `json:"name,omitempty"`
	State string `json:"state,omitempty"`
}

// Transaction states, as `rewire journal list` shows them.
const (
	StateOpen        = "open"        // begun, neither committed nor rolled back (a crash leaves this)
	StateCommitted   = "committed"   // its changes stay
	StateRolledBack  = "rolled-back" // every change undone
	StateIncomplete  = "rollback-incomplete"
	StatePending     = "pending" // applied, waiting for a confirmation
	StateRollingBack = "rolling-back"
)

// journalFile is the append-only file of one transaction.
type journalFile struct {
	f *os.File
}

// crashAfter is the fault-injection seam for crash-safety tests:
// REWIRE_CRASH_AFTER=k makes the process SIGKILL itself right after the
// k-th journal record it writes (reached the disk, or the page cache for
// the records durable leaves unsynced: a killed process loses neither).
var (
	crashAfter, _ = strconv.Atoi(os.Getenv("REWIRE_CRASH_AFTER"))
	written       atomic.Int64
)

func (j *journalFile) append(r Record) error {
	if r.Time.IsZero() {
		r.Time = time.Now().UTC()
	}
	b, err := encodeRecord(r)
	if err != nil {
		return fmt.Errorf("journal: encode %s record: %w", r.T, err)
	}
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("journal: write %s: %w", j.f.Name(), err)
	}
	if durable(r.T) {
		if err := j.f.Sync(); err != nil {
			return fmt.Errorf("journal: fsync %s: %w", j.f.Name(), err)
		}
	}
	if n := written.Add(1); crashAfter > 0 && n == int64(crashAfter) {
		if os.Getenv("REWIRE_CRASH_GUARDIAN") == "1" {
			killGuardian(j.f.Name()) // the machine lost power: both go
		}
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // never returns: the kernel takes the process here
	}
	return nil
}

// killGuardian SIGKILLs the guardian of the journal at path (the pid in
// its ID.guardian file), for the crash seam.
func killGuardian(path string) {
	b, err := os.ReadFile(strings.TrimSuffix(path, ".jsonl") + ".guardian")
	if err != nil {
		return
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		if pid, err := strconv.Atoi(f[0]); err == nil && pid > 1 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// encodeRecord is r as one journal line. Data, already JSON from
// json.Marshal, is spliced in as it is: encoding/json would validate and
// compact it again, which for a change with a thousand rules is most of
// the time its intent takes to journal.
func encodeRecord(r Record) ([]byte, error) {
	data := r.Data
	r.Data = nil
	b, err := json.Marshal(r)
	if err != nil || len(data) == 0 {
		return append(b, '\n'), err
	}
	b = append(b[:len(b)-1], `,"data":`...)
	b = append(b, data...)
	return append(b, '}', '\n'), nil
}

// durable says whether a record must reach the disk before the caller
// goes on. "done", "undo" and "savepoint" need not: every undo tolerates
// a change not made (or already undone), so a power cut that loses one
// only makes recovery undo that step once more; the next durable record
// (an intent, a state, the end) carries them to the disk anyway. A
// process that is killed loses nothing either way: written is in the
// page cache. Saved fsyncs are the time between two changes.
func durable(t string) bool {
	switch t {
	case "done", "undo", "savepoint":
		return false
	}
	return true
}

func (j *journalFile) close() error { return j.f.Close() }

func (s *Store) journalPath(id string) string { return filepath.Join(s.Dir, "journal", id+".jsonl") }

func (s *Store) createJournal(id string) (*journalFile, error) {
	dir := filepath.Join(s.Dir, "journal")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	f, err := os.OpenFile(s.journalPath(id), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	syncDir(dir)
	return &journalFile{f: f}, nil
}

func (s *Store) appendJournal(id string) (*journalFile, error) {
	f, err := os.OpenFile(s.journalPath(id), os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", id, err)
	}
	return &journalFile{f: f}, nil
}

// syncDir makes a new file's directory entry durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Step is one change of a transaction as replayed from its journal.
type Step struct {
	Seq    int             `json:"seq"`
	Kind   string          `json:"kind"`
	Obj    string          `json:"object,omitempty"`
	Ends   []string        `json:"ends,omitempty"` // objects it ends (Change.Ends)
	Desc   string          `json:"desc"`
	Data   json.RawMessage `json:"-"`
	Done   bool            `json:"done"`   // apply finished
	Undone bool            `json:"undone"` // an undo of it succeeded
	// Simulated: listed, not applied (Tx.Simulate); only plans make these.
	Simulated bool   `json:"simulated,omitempty"`
	UndoErr   string `json:"undo_error,omitempty"`
	Gone      string `json:"gone,omitempty"` // undone by a reboot, not by rewire
}

// Summary is a transaction replayed from its journal.
type Summary struct {
	ID      string    `json:"id"`
	State   string    `json:"state"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitempty"`
	Script  string    `json:"script,omitempty"`
	Args    []string  `json:"args,omitempty"`
	PID     int       `json:"pid"`
	// OwnerStart is the owner's start time (ProcStart), 0 if unknown.
	OwnerStart uint64 `json:"owner_start,omitempty"`
	// PendingFrom, for a pending REPL statement, is the step after which
	// its changes begin; 0 when the whole transaction is pending.
	PendingFrom int `json:"pending_from,omitempty"`
	// PendingStatement: what is pending is a REPL statement, which the
	// REPL itself undoes at the deadline; else the whole transaction.
	PendingStatement bool        `json:"pending_statement,omitempty"`
	Target           target.Spec `json:"target"`
	Steps            []*Step     `json:"steps"`
	Deadline         time.Time   `json:"deadline,omitempty"` // for pending transactions
}

// Load replays one transaction's journal.
func (s *Store) Load(id string) (*Summary, error) {
	f, err := os.Open(s.journalPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("transaction %s: not in the journal (%s)", id, filepath.Join(s.Dir, "journal"))
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sum := &Summary{ID: id, State: StateOpen}
	bySeq := map[int]*Step{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			// A torn last line is what a crash mid-write leaves; ignore it.
			if !sc.Scan() {
				break
			}
			return nil, fmt.Errorf("journal %s line %d: %v", id, line, err)
		}
		switch r.T {
		case "begin":
			sum.Started, sum.Script, sum.Args, sum.PID, sum.OwnerStart = r.Time, r.Script, r.Args, r.PID, r.OwnerStart
			if r.Target != nil {
				sum.Target = *r.Target
			}
		case "intent":
			st := &Step{Seq: r.Seq, Kind: r.Kind, Obj: r.Obj, Ends: r.Ends, Desc: r.Desc, Data: r.Data}
			bySeq[r.Seq] = st
			sum.Steps = append(sum.Steps, st)
		case "done":
			if st := bySeq[r.Seq]; st != nil {
				st.Done = true
			}
		case "undo":
			if st := bySeq[r.Seq]; st != nil {
				st.Undone, st.UndoErr, st.Gone = r.Err == "", r.Err, r.Gone
			}
		case "state":
			sum.State = r.State
			sum.Deadline, sum.PendingFrom, sum.PendingStatement = time.Time{}, 0, false
			if r.State == StatePending {
				sum.Deadline, sum.PendingFrom, sum.PendingStatement = r.Time, r.Seq, r.Name == "statement"
			}
		case "end":
			sum.State, sum.Ended = r.State, r.Time
		}
	}
	return sum, sc.Err()
}

// List returns every transaction in the journal, oldest first.
func (s *Store) List() ([]*Summary, error) {
	ents, err := os.ReadDir(filepath.Join(s.Dir, "journal"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Summary
	for _, e := range ents {
		id, ok := strings.CutSuffix(e.Name(), ".jsonl")
		if !ok {
			continue
		}
		sum, err := s.Load(id)
		if err != nil {
			return nil, err
		}
		out = append(out, sum)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
