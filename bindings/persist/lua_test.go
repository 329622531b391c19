package persist_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"rewire/bindings/host/managertest"
	"rewire/bindings/modules"
	"rewire/bindings/persist"
	"rewire/lua/engine"
)

// The Lua module under networkd: the migration as a recipe writes it,
// persist.save needs `files`, dry_run returns the contents and writes
// nothing, save() returns what it wrote.
func TestLuaSave(t *testing.T) {
	r := newRig(t)
	nd := managertest.StartNetworkd(t, r.sb, map[string]string{"10-eth0.network": ndStatic})
	r.waitState(t, 10*time.Second, original("10.0.0.111/24", false), nd.Daemon)
	before := snapshot(t, r.sb.Etc)

	run := func(grant engine.Caps, src string) (string, *engine.Error) {
		var out bytes.Buffer
		var mods []engine.Module
		for _, m := range modules.Kernel(r.s) {
			if m.Name != "persist" { // the machine's roots: this test's are the sandbox's
				mods = append(mods, m)
			}
		}
		mods = append(mods, persist.ModuleAt(r.s, &r.roots))
		e := engine.New(&out, mods...)
		defer e.Close()
		e.Grant(grant)
		err := e.DoString(context.Background(), src, "recipe.lua")
		return strings.TrimSpace(out.String()), err
	}
	if _, err := run(nil, `bridge.create("br0", {stp = false, forward_delay = 0})
bridge.add_port("br0", "eth0")
addr.move("eth0", "br0", {mac = true})`); err != nil {
		t.Fatal(err)
	}
	if _, err := run(nil, `persist.save()`); err == nil || err.Kind != "denied" {
		t.Fatalf("without files: %v", err)
	}
	out, err := run(engine.Caps{engine.CapFiles: true}, `for _, f in ipairs(persist.save({dry_run = true})) do
  print(f.path:match("[^/]+$"), f.device, f.flavour, f.action, #f.content > 0)
end`)
	if err != nil {
		t.Fatal(err)
	}
	want := "10-rewire-br0.netdev\tbr0\tnetworkd\tcreate\ttrue\n10-rewire-br0.network\tbr0\tnetworkd\tcreate\ttrue\n10-eth0.network\teth0\tnetworkd\twrite\ttrue"
	if out != want {
		t.Errorf("dry run printed\n%s\nwant\n%s", out, want)
	}
	sameFiles(t, before, snapshot(t, r.sb.Etc))
	out, err = run(engine.Caps{engine.CapFiles: true}, `print(persist.save())`)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("print(persist.save()):\n%s", out)
	if !strings.Contains(out, "10-eth0.network") || !strings.Contains(out, "write") {
		t.Errorf("print(persist.save()):\n%s", out)
	}
	r.rollback(t)
	sameFiles(t, before, snapshot(t, r.sb.Etc))
}
