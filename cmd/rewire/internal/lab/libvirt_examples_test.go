package lab

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"rewire/bindings/domain"
	"rewire/bindings/modules"
	"rewire/bindings/tx"
	"rewire/bindings/virtnet"
	"rewire/lua/engine"
	"rewire/lua/script"
)

// runRecipe runs a recipe the way `rewire run --lab` does (script, checks,
// commit or rollback), with the kernel modules and the libvirt ones.
func runRecipe(t *testing.T, l *Lab, st *tx.Store, file, chunk string, args ...string) *script.Result {
	t.Helper()
	s := &tx.Session{Store: st, Target: l.Target(), Script: file}
	mods := modules.All(s)
	var out strings.Builder
	e := engine.New(&out, mods...)
	defer e.Close()
	res := script.Run(context.Background(), s, e, script.Options{File: file, Chunk: chunk, Args: args})
	t.Logf("%s output:\n%s", file, out.String())
	return res
}

// repointRecipe is the VM half of examples/nat-to-bridge.lua.
const repointRecipe = `
local br = arg[1]
for _, dom in ipairs(domain.list()) do
  for _, nic in ipairs(dom:interfaces()) do
    if nic.type == "network" and nic.source == "default" then
      dom:set_interface(nic.mac, { type = "bridge", source = br }, { live = true, config = true })
    end
  end
end
check("every guest tap is in " .. br, function()
  for _, dom in ipairs(domain.list()) do
    for _, nic in ipairs(dom:interfaces()) do
      if link.get(nic.dev).master ~= br then return false end
    end
  end
  return true
end)
`

// TestLabRecipes runs the Lua side on the lab's libvirtd: the S2
// re-point loop, committed and then rolled back from the journal (as
// `rewire rollback ID` does); the same loop with a failing check, rolled
// back at once; and examples/hotplug-nic.lua and isolated-network.lua.
func TestLabRecipes(t *testing.T) {
	l := realLab(t)
	st, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tg := l.Target()
	s := &tx.Session{Store: st, Target: tg}
	before := map[string]string{}
	for _, g := range Guests {
		before[g.Name], _ = domain.XML(tg, g.Name, true)
	}
	restored := func(when string) {
		t.Helper()
		for _, g := range Guests {
			if x, _ := domain.XML(tg, g.Name, true); x != before[g.Name] {
				t.Errorf("%s: %s XML not restored:\n%s", when, g.Name, x)
			}
			nics, _ := domain.Interfaces(tg, g.Name)
			if len(nics) != 1 || tapMaster(t, s, nics[0].Dev) != "virbr0" {
				t.Errorf("%s: %s NIC %+v not back in virbr0", when, g.Name, nics)
			}
		}
	}

	// A failing check rolls every re-point back at once.
	res := runRecipe(t, l, st, "", "bridge.create('br0', {stp=false})\n"+repointRecipe+"\ncheck('fails', function() return false end)", "br0")
	if res.State != tx.StateRolledBack || len(res.Steps) != 3 {
		t.Fatalf("failing check: state %s, %d steps, %v", res.State, len(res.Steps), res.Error)
	}
	restored("after a failed check")

	// Committed, then rolled back from the journal.
	res = runRecipe(t, l, st, "", "bridge.create('br0', {stp=false})\n"+repointRecipe, "br0")
	if res.State != tx.StateCommitted || res.Err != nil {
		t.Fatalf("re-point recipe: %s %v", res.State, res.Error)
	}
	for _, g := range Guests {
		nics, _ := domain.Interfaces(tg, g.Name)
		if nics[0].Type != "bridge" || nics[0].Source != "br0" || tapMaster(t, s, nics[0].Dev) != "br0" {
			t.Errorf("%s after the recipe: %+v", g.Name, nics[0])
		}
	}
	if _, err := st.RollbackCommitted(res.TxID, false, nil); err != nil {
		t.Fatal(err)
	}
	restored("after rollback of the committed recipe")

	for _, ex := range []struct {
		file string
		args []string
	}{{"hotplug-nic.lua", []string{"vm1", "br5"}}, {"isolated-network.lua", nil}} {
		res := runRecipe(t, l, st, filepath.Join("..", "..", "..", "..", "examples", ex.file), "", ex.args...)
		if res.State != tx.StateCommitted {
			t.Fatalf("%s: %s %v %+v", ex.file, res.State, res.Error, res.Checks)
		}
		rep, err := st.RollbackCommitted(res.TxID, false, nil)
		if err != nil {
			t.Fatalf("%s rollback: %v", ex.file, err)
		}
		// The lab's guests have no OS to acknowledge a live PCI unplug:
		// undoing a live hot-plug must say it could not, never claim success.
		if ex.file == "hotplug-nic.lua" {
			if rep.Failed() != 1 || !strings.Contains(rep.Err().Error(), "has not released NIC") {
				t.Errorf("hotplug rollback on a guest without OS: %v", rep.Err())
			}
		} else if rep.Failed() > 0 {
			t.Errorf("%s rollback: %v", ex.file, rep.Err())
		}
	}
	if virtnet.Exists(tg, "isolated") {
		t.Error("isolated network survived the rollback")
	}
	if x, _ := domain.XML(tg, "vm1", true); x != before["vm1"] {
		t.Errorf("vm1 persistent XML not restored after hotplug rollback")
	}
}
