package bench

import (
	"fmt"
	"time"
)

// guardianRows is what the guardian armed with every transaction costs:
// an empty run (no change, so no transaction and no guardian) and a
// one-change run, each with the guardian and without it
// (REWIRE_GUARDIAN=none), process start to exit.
func (e *env) guardianRows() error {
	sd := e.stateDir("guardian")
	none := []string{"REWIRE_GUARDIAN=none"}
	mtu := 65535
	oneChange := func(env []string) func() error {
		return func() error {
			mtu = 65535 + 65534 - mtu // 65535 <-> 65534: always a change
			_, err := runProc(nil, env, e.Self, "run", "--lab", "--no-guard", "--state-dir", sd,
				"-e", fmt.Sprintf(`link.set("lo", {mtu = %d})`, mtu))
			return err
		}
	}
	empty := func(env []string) func() error {
		return func() error {
			_, err := runProc(nil, env, e.Self, "run", "--lab", "--no-guard", "--state-dir", sd, "-e", "local nothing = 0")
			return err
		}
	}
	for _, r := range []struct {
		metric, target string
		fn             func([]string) func() error
	}{
		{"`rewire run --lab -e` of a chunk with no change (so: no guardian), with vs REWIRE_GUARDIAN=none", "—", empty},
		{"`rewire run --lab` of one change (link.set of lo's mtu), guardian armed vs REWIRE_GUARDIAN=none", "≤ 25 ms", oneChange},
	} {
		// Alternate the two, so that a noisy stretch of the machine
		// does not land on one side only.
		var with, without []time.Duration
		for i := 0; i < engineRuns; i++ {
			w, err := timeIt(1, r.fn(nil))
			if err != nil {
				return err
			}
			wo, err := timeIt(1, r.fn(none))
			if err != nil {
				return err
			}
			with, without = append(with, w...), append(without, wo...)
		}
		e.add(Row{Metric: r.metric, Rewire: Spreads(SpreadOf(with)), Baseline: Spreads(SpreadOf(without)), Target: r.target})
	}
	return nil
}
