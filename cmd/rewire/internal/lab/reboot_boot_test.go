package lab

import (
	"context"
	"os"
	"strings"
	"testing"

	"rewire/bindings/modules"
	"rewire/bindings/nat"
	"rewire/bindings/persist"
	"rewire/bindings/tx"
	"rewire/lua/engine"
	"rewire/lua/script"
)

// natAndSysctl changes what no network manager keeps: a NAT rule of
// rewire's and a sysctl.
const natAndSysctl = `
nat.masquerade("192.168.50.0/24", { out = "eth0", tag = "boot" })
sysctl.set("net.ipv4.conf.all.rp_filter", "2")
`

// TestLabRebootBootsRewireUnits: NAT chains and a sysctl persisted on the
// lab host (nat.rules + rewire-restore.service naming the lab's root and
// namespace, sysctl.d/90-rewire.conf) come back with `lab reboot`, which
// boots them before the manager as systemd would; rollback + reboot: no
// REWIRE chain, the sysctl as the lab had it, etc as before.
func TestLabRebootBootsRewireUnits(t *testing.T) {
	f := Flavour{Manager: ManagerNetworkd}
	l := managedLab(t, f)
	before := etcTree(t, l.hostFile("etc"))
	st, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tg := l.Target()
	defer tg.Close()
	rpFilter := func() string {
		out, err := tg.Run(nil, "sysctl", "-n", "net.ipv4.conf.all.rp_filter")
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	was := rpFilter()
	s := &tx.Session{Store: st, Target: tg, Script: "boot-units"}
	var out strings.Builder
	e := engine.New(&out, modules.All(s)...)
	defer e.Close()
	res := script.Run(context.Background(), s, e, script.Options{Chunk: natAndSysctl, AfterScript: func(s *tx.Session) error {
		ws, err := persist.Save(s, persist.Options{})
		for _, w := range ws {
			t.Logf("persist: %s %s (%s)", w.Action, w.Path, w.Flavour)
		}
		return err
	}})
	if res.Err != nil {
		t.Fatalf("run --persist: %v\n%s", res.Err, out.String())
	}
	live, err := nat.Boot(tg, nat.IPv4)
	if err != nil || !strings.Contains(live, "MASQUERADE") {
		t.Fatalf("rewire's chains: %v\n%s", err, live)
	}
	unit, err := os.ReadFile(l.hostFile("etc/systemd/system/" + persist.RestoreUnit))
	if err != nil || !strings.Contains(string(unit), " restore --root "+l.hostDir()+" --netns "+l.HostPath()+"\n") {
		t.Errorf("the unit does not restore into the lab host: %v\n%s", err, unit)
	}

	fig := rebootLab(t, l)
	if got, _ := nat.Boot(tg, nat.IPv4); got != live {
		t.Errorf("after the reboot rewire's chains are\n%s\nwant\n%s", got, live)
	}
	if v := rpFilter(); v != "2" {
		t.Errorf("after the reboot rp_filter is %s, want 2 (persisted)", v)
	}
	t.Logf("FIGURES units booted: lab reboot %.2fs", fig.total)

	rep, err := st.RollbackCommitted(res.TxID, false, func(r tx.UndoResult) { t.Logf("%s", r) })
	if err == nil {
		err = rep.Err()
	}
	if err != nil {
		t.Fatalf("rollback: %v", err)
	}
	rebootLab(t, l)
	if got, _ := nat.Boot(tg, nat.IPv4); got != "" {
		t.Errorf("after rollback + reboot rewire still has chains:\n%s", got)
	}
	if v := rpFilter(); v != was {
		t.Errorf("after rollback + reboot rp_filter is %s, want %s", v, was)
	}
	if !sameTree(t, before, etcTree(t, l.hostFile("etc"))) {
		t.Error("after rollback the lab host's etc is not as before")
	}
}
