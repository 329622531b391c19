package modules

import (
	"strings"
	"testing"

	"rewire/bindings/target"
	"rewire/bindings/tx"
)

// Every module is listed once, under the name its Lua table has, and
// only the libvirt ones are missing from Kernel.
func TestOneListOfModules(t *testing.T) {
	s := &tx.Session{Target: target.Host()}
	seen := map[string]bool{}
	for i, m := range All(s) {
		if seen[m.Name] {
			t.Errorf("module %s listed twice", m.Name)
		}
		seen[m.Name] = true
		if List[i].Name != m.Name {
			t.Errorf("List[%d] is named %q, its module %q", i, List[i].Name, m.Name)
		}
	}
	var missing []string
	for _, m := range Kernel(s) {
		delete(seen, m.Name)
	}
	for n := range seen {
		missing = append(missing, n)
	}
	for _, e := range List {
		if seen[e.Name] != e.Libvirt {
			t.Errorf("%s: in Kernel %v, needs libvirt %v", e.Name, !seen[e.Name], e.Libvirt)
		}
	}
	t.Logf("modules: %d, of which need libvirt: %s", len(List), strings.Join(missing, ", "))
}
