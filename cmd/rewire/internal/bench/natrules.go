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

// natRules is row 4: 1000 NAT/forward rules through the binding — one
// `nat.port_forward` list, and one call per forward — versus one
// `iptables` exec per rule, each in a fresh namespace.
func (e *env) natRules() error {
	list := fmt.Sprintf(`local l = {} for i = 0, %d do l[#l+1] = {proto="tcp", port=10000+i, to="192.168.100.10:" .. (20000+i)} end nat.port_forward(l)`, portForwards-1)
	loop := fmt.Sprintf(`for i = 0, %d do nat.port_forward({proto="tcp", port=10000+i, to="192.168.100.10:" .. (20000+i)}) end`, portForwards-1)
	// The binding's two forms alternate, each in a fresh namespace; the
	// exec loop, seconds long, runs once.
	var asList, perCall []time.Duration
	for i := 0; i < e.Reps; i++ {
		l, err := e.natChunk("nat-list", list)
		if err != nil {
			return err
		}
		c, err := e.natChunk("nat-calls", loop)
		if err != nil {
			return err
		}
		asList, perCall = append(asList, l), append(perCall, c)
	}

	base, done, err := e.privateNS("nat-iptables")
	defer done()
	if err != nil {
		return err
	}
	start := time.Now()
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
	what := fmt.Sprintf("%d NAT/forward rules (%d port forwards)", 2*portForwards, portForwards)
	e.add(Row{Metric: what + ": one `nat.port_forward{...}` list vs one `iptables` exec per rule",
		Rewire: Spreads(SpreadOf(asList)), Baseline: Dur(sh), Target: "≤ 0.01×"})
	e.add(Row{Metric: what + ": one `nat.port_forward` call per forward vs one `iptables` exec per rule",
		Rewire: Spreads(SpreadOf(perCall)), Baseline: Dur(sh), Target: "≤ 0.1×"})
	e.note("NAT rules: a list of forwards is one `iptables-restore --noflush` batch and one journaled change; one call per forward is a batch and a journaled change each, working out what to add from the ruleset the previous call left (read again with iptables-save only when the nftables generation id says someone else changed a rule). Both runs include making the engine, the journal and the commit.")
	return nil
}

// natChunk runs chunk on a fresh namespace and checks it left the 1000 rules.
func (e *env) natChunk(name, chunk string) (time.Duration, error) {
	tg, done, err := e.privateNS(name)
	defer done()
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := e.luaRun(tg, name, chunk); err != nil {
		return 0, err
	}
	d := time.Since(start)
	if n, err := countRules(tg); err != nil || n < 2*portForwards {
		return 0, fmt.Errorf("%s: the binding left %d rules, want %d (%v)", name, n, 2*portForwards, err)
	}
	return d, nil
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
