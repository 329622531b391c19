package files

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

func session(t *testing.T) (*tx.Session, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := tx.OpenStore(filepath.Join(dir, "state"))
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "etc")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	return &tx.Session{Store: st, Target: nstest.New(t)}, root
}

// snapshot is every file and directory under root: path, mode, owner
// and content, so a test compares the whole tree before and after.
func snapshot(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		sys := st.Sys().(*syscall.Stat_t)
		line := fmt.Sprintf("%s %v %d:%d", p, st.Mode(), sys.Uid, sys.Gid)
		if st.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			line += fmt.Sprintf(" %q", b)
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// existing makes ifcfg-eth0 owned by someone else with a private mode.
func existing(t *testing.T, root string) string {
	t.Helper()
	p := filepath.Join(root, "ifcfg-eth0")
	if err := os.WriteFile(p, []byte("DEVICE=eth0\nIPADDR=10.0.0.111\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(p, 1234, 5678); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Chmod(p, 0o2640); err != nil { // after chown, which clears setgid
		t.Fatal(err)
	}
	return p
}

func TestWriteKeepsOwnerAndRollbackRestoresEverything(t *testing.T) {
	s, root := session(t)
	eth0 := existing(t, root)
	before := snapshot(t, root)
	br0 := filepath.Join(root, "new", "deeper", "ifcfg-br0")

	if err := Write(s, eth0, []byte("DEVICE=eth0\nBRIDGE=br0\n"), 0); err != nil {
		t.Fatal(err)
	}
	if err := Write(s, br0, []byte("DEVICE=br0\nTYPE=Bridge\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	st, _ := Capture(eth0)
	if string(st.Content) != "DEVICE=eth0\nBRIDGE=br0\n" || st.Mode != 0o2640 || st.UID != 1234 || st.GID != 5678 {
		t.Fatalf("eth0 after write: %+v", st)
	}
	if st, _ := Capture(br0); !st.Exists || st.Mode != 0o640 {
		t.Fatalf("br0 after write: %+v", st)
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, root); after != before {
		t.Fatalf("after rollback:\n%s\nwant:\n%s", after, before)
	}
}

// A write that fails at any of its steps leaves the file, its directory
// and no temporary file behind: the host is as it was.
func TestWriteFailingAtEachStepChangesNothing(t *testing.T) {
	defer func() { step = func(string) error { return nil } }()
	for _, name := range []string{"mkdir", "create", "write", "chown", "chmod", "sync", "rename"} {
		t.Run(name, func(t *testing.T) {
			s, root := session(t)
			eth0 := existing(t, root)
			before := snapshot(t, root)
			step = func(at string) error {
				if at == name {
					return errors.New("injected failure at " + at)
				}
				return nil
			}
			err1 := Write(s, eth0, []byte("changed"), 0o644)
			err2 := Write(s, filepath.Join(root, "sub", "ifcfg-br0"), []byte("new"), 0)
			step = func(string) error { return nil }
			if err1 == nil || err2 == nil || !strings.Contains(err1.Error(), "injected failure at "+name) {
				t.Fatalf("want both writes to fail at %s: %v, %v", name, err1, err2)
			}
			if after := snapshot(t, root); after != before {
				t.Fatalf("after a failure at %s:\n%s\nwant:\n%s", name, after, before)
			}
			s.Rollback()
		})
	}
}

// A failure of the k-th change of a transaction (the kernel or the file
// system refusing it) rolls the earlier ones back to the exact start.
func TestFailureAtEachChangeRollsBackTheOthers(t *testing.T) {
	for k := 1; k <= 3; k++ {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			s, root := session(t)
			eth0 := existing(t, root)
			other := filepath.Join(root, "ifcfg-eth1")
			os.WriteFile(other, []byte("DEVICE=eth1\n"), 0o644)
			before := snapshot(t, root)
			s.Inject = func(seq int) error {
				if seq == k {
					return errors.New("injected")
				}
				return nil
			}
			err := Write(s, eth0, []byte("x"), 0o600)
			if err == nil {
				err = Remove(s, other)
			}
			if err == nil {
				err = Write(s, filepath.Join(root, "a", "b"), []byte("y"), 0)
			}
			if err == nil {
				t.Fatalf("change %d did not fail", k)
			}
			if rerr := s.Rollback().Err(); rerr != nil {
				t.Fatal(rerr)
			}
			if after := snapshot(t, root); after != before {
				t.Fatalf("after failing change %d:\n%s\nwant:\n%s", k, after, before)
			}
		})
	}
}

// What kill -9 in the middle of a write leaves (the journal's intent, a
// temporary file, maybe the new file) is undone by recover in another
// process, from the journal alone.
func TestRecoverUndoesAWriteInterruptedByACrash(t *testing.T) {
	s, root := session(t)
	eth0 := existing(t, root)
	before := snapshot(t, root)
	if err := Write(s, eth0, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Remove(s, eth0); err != nil {
		t.Fatal(err)
	}
	if err := Write(s, filepath.Join(root, "d", "ifcfg-br0"), []byte("new"), 0); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(tmpName(eth0), []byte("torn"), 0o600)
	s.Current().Detach()

	st, _ := tx.OpenStore(s.Store.Dir)
	done, err := st.Recover(nil)
	if err != nil || len(done) != 1 {
		t.Fatalf("recover: %v %v", done, err)
	}
	if after := snapshot(t, root); after != before {
		t.Fatalf("after recover:\n%s\nwant:\n%s", after, before)
	}
	if done, err := st.Recover(nil); err != nil || len(done) != 0 {
		t.Fatalf("second recover: %v %v", done, err)
	}
}

func TestRollbackOfACommittedWriteRefusesOnDrift(t *testing.T) {
	s, root := session(t)
	eth0 := existing(t, root)
	if err := Write(s, eth0, []byte("ours"), 0); err != nil {
		t.Fatal(err)
	}
	id, err := s.Commit()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(eth0, []byte("someone else's edit"), 0o644)
	if _, err := s.Store.RollbackCommitted(id, false, nil); err == nil || !strings.Contains(err.Error(), "has changed since") {
		t.Fatalf("want drift refusal, got %v", err)
	}
	if b, _ := os.ReadFile(eth0); string(b) != "someone else's edit" {
		t.Fatalf("the edit was clobbered: %q", b)
	}
}

func TestRemoveAndRollback(t *testing.T) {
	s, root := session(t)
	eth0 := existing(t, root)
	before := snapshot(t, root)
	if err := Remove(s, eth0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(eth0); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("still there: %v", err)
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, root); after != before {
		t.Fatalf("after rollback:\n%s\nwant:\n%s", after, before)
	}
}

// luaRun runs src with the files module and the given grant.
func luaRun(t *testing.T, s *tx.Session, grant engine.Caps, src string) *engine.Error {
	t.Helper()
	e := engine.New(nil, Module(s))
	defer e.Close()
	e.Grant(grant)
	return e.DoString(context.Background(), src, "t.lua")
}

func TestLuaBadInputIsOneLineAndChangesNothing(t *testing.T) {
	s, root := session(t)
	eth0 := existing(t, root)
	before := snapshot(t, root)
	files := engine.Caps{engine.CapFiles: true}
	for src, want := range map[string]string{
		`files.write("etc/x", "a")`:                     `t.lua:1: files.write etc/x: path must be absolute`,
		`files.write("` + eth0 + `", "a", {mode="rw"})`: `files.write ` + eth0 + `: bad mode "rw" (an octal string such as "0644")`,
		`files.write("` + eth0 + `", "a", {mod=644})`:   `files.write ` + eth0 + `: unknown option mod (known: mode)`,
		`files.write("` + root + `", "a")`:              `files.write ` + root + `: not a regular file (d---------)`,
		`files.write("` + eth0 + `/x", "a")`:            `files.write ` + eth0 + `/x: not a directory`,
		`files.read("` + root + `/nosuch")`:             `files.read ` + root + `/nosuch: no such file or directory`,
		`files.remove("` + root + `/nosuch")`:           `files.remove ` + root + `/nosuch: no such file`,
	} {
		err := luaRun(t, s, files, src)
		if err == nil || !strings.HasSuffix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s:\n got %v\nwant %s", src, err, want)
		}
	}
	if s.Current() != nil && s.Current().Live() != 0 {
		t.Fatalf("bad input left %d changes", s.Current().Live())
	}
	if after := snapshot(t, root); after != before {
		t.Fatalf("bad input changed files:\n%s\nwant:\n%s", after, before)
	}
}

func TestLuaNeedsTheFilesCapability(t *testing.T) {
	s, root := session(t)
	eth0 := existing(t, root)
	before := snapshot(t, root)
	for _, src := range []string{`files.read("` + eth0 + `")`, `files.write("` + eth0 + `", "x")`, `files.remove("` + eth0 + `")`} {
		err := luaRun(t, s, nil, src)
		if err == nil || err.Kind != engine.KindDenied || !strings.Contains(err.Message, "needs capability files") {
			t.Errorf("%s: want denied, got %v", src, err)
		}
	}
	if after := snapshot(t, root); after != before {
		t.Fatalf("denied calls changed files")
	}
	err := luaRun(t, s, engine.Caps{engine.CapFiles: true}, `
		files.write("`+eth0+`", files.read("`+eth0+`") .. "BRIDGE=br0\n", {mode = 644})`)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := Capture(eth0); string(st.Content) != "DEVICE=eth0\nIPADDR=10.0.0.111\nBRIDGE=br0\n" || st.Mode != 0o644 {
		t.Fatalf("after the Lua write: %q %o", st.Content, st.Mode)
	}
	s.Rollback()
}
