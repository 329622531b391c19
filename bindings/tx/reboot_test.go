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
