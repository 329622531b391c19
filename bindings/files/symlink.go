package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

var symlinkKind = tx.NewKind("files.symlink", func(_ *target.Target, u linkUndo) error {
	if err := putLink(u.Path, u.Before); err != nil {
		return err
	}
	return removeDirs(u.Created)
}, tx.KindOptions[linkUndo]{Drift: func(_ *target.Target, u linkUndo) error {
	cur, err := Readlink(u.Path)
	if err != nil {
		return err
	}
	if cur != u.After {
		return fmt.Errorf("%s no longer links to %s", u.Path, u.After)
	}
	return nil
}, OutlivesBoot: true})

// linkUndo is a symlink change's journal entry: where the link pointed
// before ("" for no link), the directories made for it, and its target.
type linkUndo struct {
	Path    string   `json:"path"`
	Before  string   `json:"before,omitempty"`
	Created []string `json:"created,omitempty"`
	After   string   `json:"after"`
}

// Readlink is where the symlink at path points; "" when there is none. A
// file that is not a symlink is an error.
func Readlink(path string) (string, error) {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fileErr(err)
	}
	if st.Mode()&fs.ModeSymlink == 0 {
		return "", engine.Invalid("%s is not a symlink (%s)", path, st.Mode().Type())
	}
	t, err := os.Readlink(path)
	return t, fileErr(err)
}

// Symlink is `ln -sfn TARGET PATH` for a path that is a symlink or
// nothing (what `systemctl enable` makes in a .wants directory),
// creating missing parent directories; rollback puts the old link back,
// or removes the new one.
func Symlink(s *tx.Session, path, to string) error {
	if to == "" {
		return engine.Invalid("empty symlink target")
	}
	p := filepath.Clean(path)
	before, err := Readlink(p)
	if err != nil {
		return err
	}
	created, err := missingDirs(filepath.Dir(p))
	if err != nil {
		return err
	}
	return symlinkKind.Apply(s, "file:"+p, fmt.Sprintf("link %s -> %s", p, to), linkUndo{Path: p, Before: before, Created: created, After: to}, func() error {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fileErr(err)
		}
		return putLink(p, to)
	})
}

// putLink makes path a symlink to to, replacing one in a rename; to ""
// removes it.
func putLink(path, to string) error {
	tmp := tmpName(path)
	os.Remove(tmp)
	if to == "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fileErr(err)
		}
		return nil
	}
	if cur, err := Readlink(path); err == nil && cur == to {
		return nil
	}
	if err := os.Symlink(to, tmp); err != nil {
		return fileErr(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fileErr(err)
	}
	return syncDir(filepath.Dir(path))
}
