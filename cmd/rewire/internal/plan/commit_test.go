package plan

import (
	"context"
	"strings"
	"testing"

	"rewire/bindings/modules"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// A recipe that commits part way (tx.commit()) journals two transactions;
// the plan lists both, marks where one ends, gives each firewall step its
// own diff, and leaves the host as it was.
func TestPlanOfARecipeThatCommitsPartWay(t *testing.T) {
	host := kvmHost(t)
	before := netState(t, host)
	mods := func(s *tx.Session) []engine.Module { return modules.Kernel(s) }
	p, err := Make(context.Background(), host, Options{Modules: mods, Chunk: `
		bridge.create("br5", {stp = false})
		nat.masquerade("10.5.0.0/24")
		tx.commit()
		link.set("br5", {up = true})
		nat.masquerade("10.6.0.0/24")
	`})
	must(t, err)
	if p.Err != nil {
		t.Fatalf("plan error: %s", p.Error)
	}
	var out strings.Builder
	p.Write(&out)
	t.Logf("plan:\n%s", out.String())
	want := []struct {
		tx, seq int
		desc    string
	}{{0, 1, "create bridge br5"}, {0, 2, "masquerade 10.5.0.0/24"}, {1, 1, "set link br5 up"}, {1, 2, "masquerade 10.6.0.0/24"}}
	if len(p.Steps) != len(want) {
		t.Fatalf("%d steps, want %d", len(p.Steps), len(want))
	}
	for i, w := range want {
		s := p.Steps[i]
		if s.Tx != w.tx || s.Seq != w.seq || !strings.HasPrefix(s.Desc, w.desc) {
			t.Errorf("step %d: tx %d seq %d %q, want tx %d seq %d %q...", i, s.Tx, s.Seq, s.Desc, w.tx, w.seq, w.desc)
		}
	}
	if !strings.Contains(p.Steps[1].Firewall, "10.5.0.0/24") || !strings.Contains(p.Steps[3].Firewall, "10.6.0.0/24") ||
		strings.Contains(p.Steps[3].Firewall, "10.5.0.0/24") {
		t.Errorf("firewall diffs:\n%s\n--\n%s", p.Steps[1].Firewall, p.Steps[3].Firewall)
	}
	if !strings.Contains(out.String(), "tx.commit()") {
		t.Errorf("the plan does not show where the first transaction ends:\n%s", out.String())
	}
	if after := netState(t, host); after != before {
		t.Errorf("the plan changed the host:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
