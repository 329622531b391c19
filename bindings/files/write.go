package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

var writeKind = tx.NewKind("files.write", func(_ *target.Target, u writeUndo) error {
	if err := restore(u.Before); err != nil {
		return err
	}
	return removeDirs(u.Created)
}, tx.KindOptions[writeUndo]{Drift: func(_ *target.Target, u writeUndo) error {
	return driftFrom(u.Before.Path, &u.After)
}, OutlivesBoot: true})

// DefaultMode is the mode of a file Write creates when none is given.
const DefaultMode = 0o644

// writeUndo is a write's journal entry: the file before, the directories
// the write had to create, and what it left.
type writeUndo struct {
	Before  State    `json:"before"`
	Created []string `json:"created,omitempty"` // outermost first
	After   Digest   `json:"after"`
}

// Write is `install -m MODE /dev/stdin PATH`: it replaces the whole file
// atomically (a temporary file renamed over it), creating missing parent
// directories. mode 0 keeps an existing file's mode, or uses DefaultMode;
// an existing file keeps its owner.
func Write(s *tx.Session, path string, content []byte, mode uint32) error {
	if mode&^0o7777 != 0 {
		return engine.Invalid("bad mode %o", mode)
	}
	p, err := resolve(path)
	if err != nil {
		return err
	}
	before, err := Capture(p)
	if err != nil {
		return err
	}
	after := State{Path: p, Exists: true, Content: content, Mode: mode, UID: os.Getuid(), GID: os.Getgid()}
	if before.Exists {
		after.UID, after.GID = before.UID, before.GID
		if mode == 0 {
			after.Mode = before.Mode
		}
	} else if mode == 0 {
		after.Mode = DefaultMode
	}
	created, err := missingDirs(filepath.Dir(p))
	if err != nil {
		return err
	}
	verb := "create"
	if before.Exists {
		verb = "write"
	}
	return writeKind.Apply(s, "file:"+p, fmt.Sprintf("%s file %s (%d bytes, mode %04o)", verb, p, len(content), after.Mode), writeUndo{Before: before, Created: created, After: digest(content, after.Mode)}, func() error {
		if err := step("mkdir"); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fileErr(err)
		}
		return put(after)
	})
}

// missingDirs lists the ancestors of dir that do not exist, outermost
// first; an ancestor that is not a directory is an error.
func missingDirs(dir string) ([]string, error) {
	var out []string
	for d := dir; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err == nil {
			if !st.IsDir() {
				return nil, engine.Invalid("%s is not a directory", d)
			}
			return out, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fileErr(err)
		}
		out = append([]string{d}, out...)
		if d == filepath.Dir(d) {
			return out, nil
		}
	}
}

// put makes the file exactly st: content, mode and owner, replaced in one
// rename so that a reader (or a crash) sees the old file or the new one.
func put(st State) error {
	tmp := tmpName(st.Path)
	if err := step("create"); err != nil {
		return err
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fileErr(err)
	}
	err = writeAll(f, st)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = step("rename")
	}
	if err == nil {
		err = os.Rename(tmp, st.Path)
	}
	if err != nil {
		os.Remove(tmp)
		return fileErr(err)
	}
	return syncDir(filepath.Dir(st.Path))
}

func writeAll(f *os.File, st State) error {
	if err := step("write"); err != nil {
		return err
	}
	if _, err := f.Write(st.Content); err != nil {
		return err
	}
	// chown before chmod: chown clears setuid and setgid.
	if err := step("chown"); err != nil {
		return err
	}
	if err := f.Chown(st.UID, st.GID); err != nil {
		return err
	}
	if err := step("chmod"); err != nil {
		return err
	}
	if err := syscall.Fchmod(int(f.Fd()), st.Mode); err != nil {
		return err
	}
	if err := step("sync"); err != nil {
		return err
	}
	return f.Sync()
}

// tmpName is fixed per file, so an undo after a crash finds and removes
// a temporary file the interrupted write left.
func tmpName(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".rewire-tmp")
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fileErr(err)
	}
	defer d.Close()
	return d.Sync()
}

// restore brings a file back to its captured state. It is idempotent: a
// file already as captured is rewritten with the same bytes, one that
// should not exist and does not is left alone.
func restore(before State) error {
	if err := os.Remove(tmpName(before.Path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fileErr(err)
	}
	if !before.Exists {
		if err := os.Remove(before.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", before.Path, fileErr(err))
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(before.Path), 0o755); err != nil {
		return fileErr(err)
	}
	return put(before)
}

// removeDirs removes the directories a write created, innermost first;
// one that someone has since put other files in is left alone.
func removeDirs(created []string) error {
	for i := len(created) - 1; i >= 0; i-- {
		err := os.Remove(created[i])
		if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTEMPTY) && !errors.Is(err, syscall.EEXIST) {
			return fmt.Errorf("remove directory %s: %w", created[i], fileErr(err))
		}
	}
	return nil
}

// driftFrom reports how a file differs from what a change left: want nil
// means the change left no file.
func driftFrom(path string, want *Digest) error {
	cur, err := Capture(path)
	if err != nil {
		return err
	}
	switch {
	case want == nil && cur.Exists:
		return fmt.Errorf("%s exists again", path)
	case want == nil:
		return nil
	case !cur.Exists:
		return fmt.Errorf("%s is gone", path)
	}
	got := digest(cur.Content, cur.Mode)
	if got.SHA256 != want.SHA256 {
		return fmt.Errorf("%s has changed since", path)
	}
	if got.Mode != want.Mode {
		return fmt.Errorf("%s has mode %04o, not %04o", path, got.Mode, want.Mode)
	}
	return nil
}

// step is a fault-injection seam for tests: it fails the named step of a
// write as if the file system had refused it.
var step = func(name string) error { return nil }
