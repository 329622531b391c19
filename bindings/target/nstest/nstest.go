// Package nstest makes throw-away network namespaces for tests, bound to a
// file so that a journal can name them and a later process can re-enter
// them, as containernetworking's testutils.NewNS does.
package nstest

import (
	"path/filepath"
	"testing"

	"rewire/bindings/target"
)

// New creates a fresh network namespace with lo up, bound at a file under
// t.TempDir(), and removes it (and with it every virtual link in it) when
// the test ends.
func New(t testing.TB) *target.Target {
	t.Helper()
	path := filepath.Join(t.TempDir(), "netns")
	tg, err := target.CreateNS("test", path)
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() {
		tg.Close()
		target.RemoveNS(path)
	})
	return tg
}
