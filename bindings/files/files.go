// Package files reads and writes whole files for recipes that persist
// what they changed (ifcfg network-scripts, a dnsmasq hosts file): every
// write and removal is a change of the transaction core, journaled with
// the file's prior content, mode and owner, so rollback puts the file
// back byte for byte, or removes one that did not exist.
//
// Files are not namespaced: a target's namespace does not change which
// file a path names. The Lua module needs the `files` capability.
package files

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"rewire/lua/engine"
)

// State is what the journal keeps of a file before a change touches it.
type State struct {
	Path    string `json:"path"`
	Exists  bool   `json:"exists"`
	Content []byte `json:"content,omitempty"`
	Mode    uint32 `json:"mode,omitempty"` // permission bits, setuid/setgid/sticky included
	UID     int    `json:"uid,omitempty"`
	GID     int    `json:"gid,omitempty"`
}

// Digest identifies what a change left in a file, for drift checks.
type Digest struct {
	SHA256 string `json:"sha256"`
	Mode   uint32 `json:"mode"`
}

func digest(content []byte, mode uint32) Digest {
	sum := sha256.Sum256(content)
	return Digest{SHA256: hex.EncodeToString(sum[:]), Mode: mode}
}

// Read is `cat PATH`: the whole file.
func Read(path string) ([]byte, error) {
	p, err := resolve(path)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, fileErr(err)
	}
	if st.IsDir() {
		return nil, engine.Invalid("is a directory")
	}
	b, err := os.ReadFile(p)
	return b, fileErr(err)
}

// Capture reads a file's state: content, mode and owner, or that it does
// not exist.
func Capture(path string) (State, error) {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return State{Path: path}, nil
	}
	if err != nil {
		return State{}, fileErr(err)
	}
	if !st.Mode().IsRegular() {
		return State{}, engine.Invalid("not a regular file (%s)", st.Mode().Type())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return State{}, fileErr(err)
	}
	s := State{Path: path, Exists: true, Content: b, Mode: modeBits(st.Mode())}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		s.UID, s.GID = int(sys.Uid), int(sys.Gid)
	}
	return s, nil
}

// modeBits turns Go's FileMode into the chmod bits the kernel keeps.
func modeBits(m fs.FileMode) uint32 {
	bits := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		bits |= syscall.S_ISUID
	}
	if m&fs.ModeSetgid != 0 {
		bits |= syscall.S_ISGID
	}
	if m&fs.ModeSticky != 0 {
		bits |= syscall.S_ISVTX
	}
	return bits
}

// resolve checks a path and follows a symlink to the file it names, so
// that a write changes that file rather than replacing the link.
func resolve(path string) (string, error) {
	if !filepath.IsAbs(path) {
		return "", engine.Invalid("path must be absolute")
	}
	p := filepath.Clean(path)
	if st, err := os.Lstat(p); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return "", engine.NotFound("symlink to a missing file: %v", fileErr(err))
		}
		return real, nil
	}
	return p, nil
}

// fileErr drops the path from an *os.PathError: the Lua error names the
// file already.
func fileErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &pathErr{pe}
	}
	return err
}

type pathErr struct{ pe *fs.PathError }

func (e *pathErr) Error() string { return e.pe.Err.Error() }
func (e *pathErr) Unwrap() error { return e.pe }
