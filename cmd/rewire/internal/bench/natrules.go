package bench

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"rewire/bindings/target"
)

// portForwards is how many port forwards make the 1000 rules: each is a
// DNAT rule in PREROUTING and an ACCEPT in FORWARD.
const portForwards = 500

// privateNS is a throw-away namespace of this bench run.
func (e *env) privateNS(name string) (*target.Target, func(), error) {
	path := filepath.Join(e.dir, "ns-"+name)
	tg, err := target.CreateNS("bench-"+name, path)
	if err != nil {
		return nil, func() {}, err
	}
	return tg, func() { tg.Close(); target.RemoveNS(path) }, nil
}

// natRules is row 4: 1000 NAT/forward rules through nat.port_forward
// versus one `iptables` exec per rule, each in a fresh namespace.
func (e *env) natRules() error {
	tg, done, err := e.privateNS("nat-rewire")
	defer done()
	if err != nil {
		return err
	}
	chunk := fmt.Sprintf(`for i = 0, %d do nat.port_forward({proto="tcp", port=10000+i, to="192.168.100.10:" .. (20000+i)}) end`, portForwards-1)
	start := time.Now()
	if err := e.luaRun(tg, "nat", chunk); err != nil {
		return err
	}
	rw := time.Since(start)
	if n, err := countRules(tg); err != nil || n < 2*portForwards {
		return fmt.Errorf("the binding left %d rules, want %d (%v)", n, 2*portForwards, err)
	}

	base, done2, err := e.privateNS("nat-iptables")
	defer done2()
	if err != nil {
		return err
	}
	start = time.Now()
	for i := 0; i < portForwards; i++ {
		port := fmt.Sprint(10000 + i)
		if _, err := base.Run(nil, "iptables", "-w", "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "--dport", port, "-j", "DNAT", "--to-destination", fmt.Sprintf("192.168.100.10:%d", 20000+i)); err != nil {
			return err
		}
		if _, err := base.Run(nil, "iptables", "-w", "-I", "FORWARD", "-d", "192.168.100.10", "-p", "tcp", "--dport", fmt.Sprint(20000+i), "-j", "ACCEPT"); err != nil {
			return err
		}
	}
	sh := time.Since(start)
	e.add(Row{Metric: fmt.Sprintf("%d NAT/forward rules (%d port forwards): `nat.port_forward` vs one `iptables` exec per rule", 2*portForwards, portForwards),
		Rewire: Dur(rw), Baseline: Dur(sh), Target: "—"})
	e.note("NAT rules: the binding applies each port forward as one `iptables-restore --noflush` batch, journaled; bindings/nat's BenchmarkRules1000 (`go test -bench Rules1000 ./bindings/nat`) measures 1000 rules in a single batch.")
	return nil
}

// countRules counts the -A lines of iptables-save in tg.
func countRules(tg *target.Target) (int, error) {
	out, err := tg.Run(nil, "iptables-save")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "-A ") {
			n++
		}
	}
	return n, nil
}
