package plan

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"rewire/bindings/dnsmasq"
	"rewire/bindings/domain"
	"rewire/bindings/nat"
	"rewire/bindings/netstack"
	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/bindings/virtnet"
	"rewire/cmd/rewire/internal/lab"
	"rewire/lua/engine"
)

// modules are the bindings the CLI wires (cmd/rewire/wire*.go).
func modules(s *tx.Session) []engine.Module {
	return append(netstack.Modules(s), domain.Module(s), virtnet.Module(s), nat.Module(s), dnsmasq.Module(s))
}

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
		virtnet.Disconnect(l.LibvirtURI())
		if err := l.Down(func(string) {}); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	return l
}

// labState is the lab host's network state and every guest's XML, live
// and persistent, as `virsh dumpxml [--inactive]` prints it.
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
	return b.String()
}

func descs(steps []*tx.Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.Desc)
	}
	return out
}

// The test: in the lab, for every example that runs there, the
// plan lists exactly the changes the real run journals, in the same order
// with the same descriptions; a recipe that stops with an error stops the
// same way in both; and making the plan leaves the lab host — links,
// addresses, routes, sysctls, iptables, guest XML — exactly as it was.
func TestPlanEqualsTheJournalOfTheRun(t *testing.T) {
	l := privateLab(t)
	tg := l.Target()
	defer tg.Close()
	ctx := context.Background()
	for _, ex := range []string{"nat-to-bridge", "bad-gateway", "nat-network", "leases", "bond-then-bridge"} {
		file, err := filepath.Abs(filepath.Join("../../../../examples", ex+".lua"))
		must(t, err)
		t.Run(ex, func(t *testing.T) {
			before := labState(t, tg)
			var printed strings.Builder
			p, err := Make(ctx, tg, Options{File: file, Modules: modules, Out: &printed})
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
			e := engine.New(&printed, modules(s)...)
			defer e.Close()
			res := tx.RunScript(ctx, s, e, tx.RunOptions{File: file})
			var planned []string
			for _, s := range p.Steps {
				planned = append(planned, s.Desc)
			}
			if got, want := strings.Join(planned, "\n"), strings.Join(descs(res.Steps), "\n"); got != want {
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
				if _, err := st.RollbackCommitted(res.TxID, true, nil); err != nil {
					t.Fatalf("rollback of the run: %v", err)
				}
			}
		})
	}
}
