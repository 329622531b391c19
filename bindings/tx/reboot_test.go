package tx_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rewire/bindings/files"
	"rewire/bindings/link"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

// After a reboot (the journal's boot id is not this boot's), recover
// undoes only what outlives a boot — a file written — and marks the
// kernel's changes as gone with the boot instead of redoing history on a
// host that no longer has them.
func TestRecoverAfterARebootUndoesOnlyWhatOutlivesIt(t *testing.T) {
	tg := nstest.New(t)
	dir := t.TempDir()
	st, _ := tx.OpenStore(dir)
	s := &tx.Session{Store: st, Target: tg}
	mtu := 1400
	if err := link.Set(s, "lo", link.Settings{MTU: &mtu}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ifcfg-br0")
	if err := files.Write(s, file, []byte("DEVICE=br0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	id := s.Current().ID
	s.Current().Detach() // the host lost power here

	// "Reboot": the kernel's change is gone, and so is its boot.
	mtu = 1500
	if err := link.Set(&tx.Session{Store: mustStore(t, t.TempDir()), Target: tg}, "lo", link.Settings{MTU: &mtu}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "journal", id+".jsonl")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), `"boot_id":"`, `"boot_id":"earlier-`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}

	var got []string
	done, err := mustStore(t, dir).Recover(func(_ string, r tx.UndoResult) { got = append(got, r.String()) })
	if err != nil || len(done) != 1 {
		t.Fatalf("recover after a reboot: %v %v", done, err)
	}
	want := []string{"- undo 2 create file " + file, "- undo 1 set link lo mtu 1400: gone with the reboot"}
	if len(got) != 2 || !strings.HasPrefix(got[0], want[0]) || !strings.HasSuffix(got[0], ": ok") || got[1] != want[1] {
		t.Fatalf("undo steps:\n%s\nwant like:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("the file written before the reboot is still there: %v", err)
	}
	if lo, _ := link.Get(tg, "lo"); lo.MTU != 1500 {
		t.Errorf("lo mtu %d: recover touched the kernel after a reboot", lo.MTU)
	}
	sum, _ := mustStore(t, dir).Load(id)
	if sum.State != tx.StateRolledBack || sum.Steps[0].Gone == "" {
		t.Errorf("journal after: state %s, step 1 %+v", sum.State, sum.Steps[0])
	}
}

func mustStore(t *testing.T, dir string) *tx.Store {
	t.Helper()
	st, err := tx.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A committed run whose files were persisted for boot is rolled back
// after the reboot they were written for: the files come back (judged for
// drift, as ever), the kernel's changes are gone with the boot and left
// alone. A drifted file still refuses.
func TestRollbackOfACommittedRunAfterARebootUndoesItsFiles(t *testing.T) {
	tg := nstest.New(t)
	dir := t.TempDir()
	commit := func(file string) string {
		s := &tx.Session{Store: mustStore(t, dir), Target: tg}
		mtu := 1400
		if err := link.Set(s, "lo", link.Settings{MTU: &mtu}); err != nil {
			t.Fatal(err)
		}
		if err := files.Write(s, file, []byte("[NetDev]\nName=br0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		id := s.Current().ID
		if err := s.Current().Commit(); err != nil {
			t.Fatal(err)
		}
		mtu = 1500 // the reboot: the kernel's change is gone
		if err := link.Set(&tx.Session{Store: mustStore(t, t.TempDir()), Target: tg}, "lo", link.Settings{MTU: &mtu}); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "journal", id+".jsonl")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(string(b), `"boot_id":"`, `"boot_id":"earlier-`, 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		return id
	}

	file := filepath.Join(t.TempDir(), "10-rewire-br0.netdev")
	id := commit(file)
	var got []string
	if _, err := mustStore(t, dir).RollbackCommitted(id, false, func(r tx.UndoResult) { got = append(got, r.String()) }); err != nil {
		t.Fatalf("rollback after the reboot: %v", err)
	}
	if len(got) != 2 || !strings.HasSuffix(got[0], ": ok") || got[1] != "- undo 1 set link lo mtu 1400: gone with the reboot" {
		t.Fatalf("undo steps:\n%s", strings.Join(got, "\n"))
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("the persisted file is still there: %v", err)
	}
	if lo, _ := link.Get(tg, "lo"); lo.MTU != 1500 {
		t.Errorf("lo mtu %d: the rollback touched the kernel after a reboot", lo.MTU)
	}

	drifted := filepath.Join(t.TempDir(), "10-rewire-br0.netdev")
	id = commit(drifted)
	if err := os.WriteFile(drifted, []byte("edited by the admin\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := mustStore(t, dir).RollbackCommitted(id, false, nil); err == nil || !strings.Contains(err.Error(), "changed since") {
		t.Fatalf("rollback of a drifted file after a reboot: %v, want a refusal", err)
	}
}
