package plan

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"rewire/bindings/host"
	"rewire/bindings/host/managertest"
	"rewire/bindings/modules"
	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// Where a real firewalld runs on the target, the plan of a NAT network
// lists the zone step the run would make (decided by the target's own
// firewalld: nm-shared here, Debian's stock zones), prints nat's reload
// warning, and changes nothing in the target's firewalld.
func TestPlanListsFirewalldZone(t *testing.T) {
	tg := kvmHost(t)
	sb := managertest.NewSandbox(t, tg)
	fw := managertest.StartFirewalld(t, sb, managertest.FirewalldOptions{})
	old := host.RootsFor
	host.RootsFor = func(x *target.Target) host.Roots {
		if x == tg {
			return host.Roots{Etc: sb.Etc, Run: sb.Run, Var: sb.Var}
		}
		return host.DefaultRoots()
	}
	t.Cleanup(func() { host.RootsFor = old })
	var printed bytes.Buffer
	mods := func(s *tx.Session) []engine.Module { return modules.Kernel(s) }
	p, err := Make(context.Background(), tg, Options{Modules: mods, Out: &printed, Chunk: `
		bridge.create("br9", {stp = false})
		addr.add("br9", "192.168.150.1/24")
		link.set("br9", {up = true})
		dnsmasq.serve("br9", {range = {"192.168.150.10", "192.168.150.20"}})
		nat.forward("br9", "192.168.150.0/24")
	`})
	must(t, err)
	if p.Err != nil {
		t.Fatalf("plan error: %s", p.Error)
	}
	var out strings.Builder
	p.Write(&out)
	t.Logf("plan:\n%s\nprinted:\n%s", out.String(), printed.String())
	var zone []Step
	for _, s := range p.Steps {
		if strings.HasPrefix(s.Kind, "firewalld.") {
			zone = append(zone, s)
		}
	}
	if len(zone) != 1 || zone[0].Kind != "firewalld.zone" || !zone[0].Listed || !strings.Contains(zone[0].Desc, "move br9 from no zone to zone nm-shared") {
		t.Fatalf("firewalld steps %+v", zone)
	}
	if !strings.Contains(out.String(), "zone nm-shared") {
		t.Errorf("the printed plan does not show the zone step")
	}
	if !strings.Contains(printed.String(), "warning: firewalld") {
		t.Errorf("no reload warning printed: %q", printed.String())
	}
	if z := fw.ZoneOf(t, "br9"); z != "" {
		t.Fatalf("the plan bound br9 to zone %q in the target's firewalld", z)
	}
}
