package plan

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"rewire/bindings/domain"
	"rewire/bindings/modules"
	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/bindings/virtconn"
	"rewire/bindings/virtnet"
	"rewire/cmd/rewire/internal/lab"
	"rewire/lua/engine"
	"rewire/lua/script"
)

// privateLab is `rewire lab up` with its namespaces bound under a temp
// dir, so it never meets a lab someone else has up.
func privateLab(t *testing.T) *lab.Lab {
	t.Helper()
	if _, err := exec.LookPath("libvirtd"); err != nil {
		t.Skip("libvirtd is not installed: the lab needs libvirt-daemon and qemu-system-x86")
	}
	if os.Geteuid() != 0 {
		t.Skip("the lab needs root (network namespaces)")
	}
	l := &lab.Lab{NetnsDir: t.TempDir(), Dir: t.TempDir()}
	if err := l.Up(func(m string) { t.Log(m) }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		virtconn.Disconnect(l.LibvirtURI())
		if err := l.Down(func(string) {}); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	return l
}

// labState is the lab host's network state, every guest's XML, live and
// persistent, as `virsh dumpxml [--inactive]` prints it, and every
// libvirt network's definition and state.
func labState(t *testing.T, tg *target.Target) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(netState(t, tg))
	doms, err := domain.List(tg)
	must(t, err)
	for _, d := range doms {
		for _, inactive := range []bool{false, true} {
			x, err := domain.XML(tg, d.Name, inactive)
			must(t, err)
			b.WriteString(x)
		}
	}
	nets, err := virtnet.List(tg)
	must(t, err)
	for _, n := range nets {
		in, err := virtnet.Get(tg, n.Name)
		must(t, err)
		fmt.Fprintf(&b, "%+v\n", in)
	}
	return b.String()
}

func descs(steps []*tx.Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.Desc)
	}
	return out
}

// guestNIC matches a guest NIC change ("vm1 NIC 52:54:00:...: ...").
var guestNIC = regexp.MustCompile(`^\S+ NIC [0-9a-f:]+: `)

// inGuestOrder sorts each run of consecutive guest NIC changes: one
// domain.set_interfaces changes guests side by side, so the journal has
// them in the order they finished; each guest's own NICs stay in order
// (the sort is stable and by guest name).
func inGuestOrder(ds []string) []string {
	out := append([]string(nil), ds...)
	for i := 0; i < len(out); {
		j := i
		for j < len(out) && guestNIC.MatchString(out[j]) {
			j++
		}
		if j > i {
			run := out[i:j]
			sort.SliceStable(run, func(a, b int) bool {
				return strings.Fields(run[a])[0] < strings.Fields(run[b])[0]
			})
			i = j
		} else {
			i++
		}
	}
	return out
}

// The test: in the lab, for every example that runs there, the
// plan lists exactly the changes the real run journals, in the same order
// (guests changed side by side aside: inGuestOrder) with the same descriptions; a recipe that stops with an error stops the
// same way in both; and making the plan leaves the lab host — links,
// addresses, routes, sysctls, iptables, guest XML — exactly as it was.
func TestPlanEqualsTheJournalOfTheRun(t *testing.T) {
	l := privateLab(t)
	tg := l.Target()
	defer tg.Close()
	ctx := context.Background()
	ifcfgDir := t.TempDir()
	examples, err := filepath.Glob("../../../../examples/*.lua")
	must(t, err)
	// Those that plug a NIC into a running guest last: the NIC stays.
	plugs := func(f string) bool {
		return strings.Contains(f, "hotplug-nic") || strings.Contains(f, "isolated-network")
	}
	sort.SliceStable(examples, func(i, j int) bool { return !plugs(examples[i]) && plugs(examples[j]) })
	// The arguments and grants a user gives each example in the lab.
	args := map[string][]string{
		"isolated-network": {"vm2"},
		"hotplug-nic":      {"vm1", "virbr0"},
		"persist-ifcfg":    {ifcfgDir},
	}
	grants := map[string]engine.Caps{"persist-ifcfg": {"files": true}}
	for _, f := range examples {
		ex := strings.TrimSuffix(filepath.Base(f), ".lua")
		file, err := filepath.Abs(f)
		must(t, err)
		grant := func(e *engine.Engine) { e.Grant(grants[ex]) }
		t.Run(ex, func(t *testing.T) {
			before := labState(t, tg)
			var printed strings.Builder
			p, err := Make(ctx, tg, Options{File: file, Args: args[ex], Modules: modules.All, Out: &printed, Prepare: grant})
			must(t, err)
			if after := labState(t, tg); after != before {
				t.Fatalf("the plan changed the lab:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			var plan strings.Builder
			p.Write(&plan)
			t.Logf("plan:\n%s%s", plan.String(), p.Error)

			st, err := tx.OpenStore(t.TempDir())
			must(t, err)
			s := &tx.Session{Store: st, Target: tg, Script: file}
			s.Args = args[ex]
			e := engine.New(&printed, modules.All(s)...)
			defer e.Close()
			grant(e)
			res := script.Run(ctx, s, e, script.Options{File: file, Args: args[ex]})
			var planned []string
			for _, s := range p.Steps {
				planned = append(planned, s.Desc)
			}
			if got, want := strings.Join(inGuestOrder(planned), "\n"), strings.Join(inGuestOrder(descs(res.Steps)), "\n"); got != want {
				t.Errorf("plan:\n%s\njournal of the run:\n%s\n(run error: %s)", got, want, res.Error)
			}
			switch {
			case res.Err == nil || res.Err.Kind == engine.KindCheck: // checks are not run in a plan
				if p.Err != nil {
					t.Errorf("the plan failed (%s), the run did not (%s)", p.Error, res.State)
				}
			case p.Error != res.Error:
				t.Errorf("errors differ:\nplan: %s\nrun:  %s", p.Error, res.Error)
			}
			if res.State == tx.StateCommitted && res.TxID != "" {
				rep, err := st.RollbackCommitted(res.TxID, true, nil)
				if err == nil {
					err = rep.Err()
				}
				switch {
				case err != nil && len(args[ex]) > 0 && (ex == "hotplug-nic" || ex == "isolated-network"):
					// The lab's guests have no OS to acknowledge a live PCI
					// unplug: the undo says so.
					t.Logf("rollback of the hot-plug: %v", err)
				case err != nil:
					t.Fatalf("rollback of the run: %v", err)
				}
			}
		})
	}
}
