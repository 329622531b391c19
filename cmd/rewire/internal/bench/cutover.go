package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"rewire/bindings/tx"
	"rewire/cmd/rewire/internal/bench/lanprobe"
	"rewire/lua/engine"
)

const hostIP = "10.0.0.111" // the lab host, as the LAN sees it

// probeDuring runs job while the LAN probes the lab host every millisecond
// (lanprobe.During).
func (e *env) probeDuring(job func() error) (lanprobe.Timeline, error) {
	return lanprobe.During(e.host, e.lan, hostIP, job)
}

// cutover is row 1: examples/nat-to-bridge.lua through `rewire run --lab`
// against the field guide's `ip` script, each rep undone before the next.
func (e *env) cutover() error {
	sd := e.stateDir("cutover")
	var idle []time.Duration
	for i := 0; i < e.Reps; i++ {
		tl, err := e.probeDuring(func() error { time.Sleep(300 * time.Millisecond); return nil })
		if err != nil {
			return fmt.Errorf("idle probing: %w", err)
		}
		idle = append(idle, tl.Outage().Longest)
	}
	e.add(Row{Metric: "prober noise floor: longest gap while nothing changes (300 ms)",
		Rewire: Spreads(SpreadOf(idle)), Baseline: None("same prober, no job"), Target: "—"})
	// A run that changes nothing: what rewire's own start costs the LAN
	// (CPU the host's packet path then waits for), against a shell's.
	empty := filepath.Join(e.dir, "empty.lua")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		return err
	}
	var emptyGap, shGapEmpty []time.Duration
	for i := 0; i < e.Reps; i++ {
		tl, err := e.probeDuring(func() error {
			_, err := runProc(nil, nil, e.Self, "run", "--lab", "--state-dir", sd, empty)
			return err
		})
		if err != nil {
			return fmt.Errorf("empty run under the prober: %w", err)
		}
		emptyGap = append(emptyGap, tl.Outage().Longest)
		if tl, err = e.probeDuring(func() error { _, err := runProc(e.host, nil, "sh", "-c", "ip link show >/dev/null"); return err }); err != nil {
			return err
		}
		shGapEmpty = append(shGapEmpty, tl.Outage().Longest)
	}
	e.add(Row{Metric: "longest gap while a job that changes nothing runs: `rewire run --lab` of an empty script vs `sh -c 'ip link show'`",
		Rewire: Spreads(SpreadOf(emptyGap)), Baseline: Spreads(SpreadOf(shGapEmpty)), Target: "—"})
	var rwGap, shGap, rwJob, shJob []time.Duration
	var rwLost, shLost []int
	var causes []string
	for i := 0; i < e.Reps; i++ {
		var p Proc
		tl, err := e.probeDuring(func() (err error) {
			p, err = runProc(nil, nil, e.Self, "run", "--lab", "--state-dir", sd, e.example("nat-to-bridge.lua"))
			return err
		})
		if err != nil {
			return fmt.Errorf("rewire run nat-to-bridge.lua: %w", err)
		}
		o := tl.Outage()
		rwGap, rwLost, rwJob = append(rwGap, o.Longest), append(rwLost, o.Lost), append(rwJob, p.Took)
		if spans, err := lanprobe.LastSpans(sd); err == nil {
			causes = append(causes, lanprobe.GapCause(o.GapFrom, o.GapTo, spans))
		}
		if _, err := runProc(nil, nil, e.Self, "rollback", "--state-dir", sd, "last"); err != nil {
			return fmt.Errorf("undo the cut-over: %w", err)
		}

		tl, err = e.probeDuring(func() (err error) {
			p, err = runProc(e.host, nil, "sh", e.migrate)
			return err
		})
		if err != nil {
			return fmt.Errorf("baseline migrate.sh: %w", err)
		}
		o = tl.Outage()
		shGap, shLost, shJob = append(shGap, o.Longest), append(shLost, o.Lost), append(shJob, p.Took)
		if _, err := runProc(e.host, nil, "sh", e.revert); err != nil {
			return fmt.Errorf("undo the baseline: %w", err)
		}
	}
	e.add(Row{Metric: "cut-over eth0 → br0: longest gap seen from the LAN (UDP probe every 1 ms)",
		Rewire: Spreads(SpreadOf(rwGap)), Baseline: Spreads(SpreadOf(shGap)), Target: "≤ 5 ms"})
	e.add(Row{Metric: "cut-over eth0 → br0: lost probes",
		Rewire: counts(rwLost, "probes"), Baseline: counts(shLost, "probes"), Target: "0"})
	e.add(Row{Metric: "cut-over: whole job, process start to exit",
		Rewire: Spreads(SpreadOf(rwJob)), Baseline: Spreads(SpreadOf(shJob)), Target: "—"})
	e.note("Cut-over, where each rep's longest gap fell (the changes it overlapped, from the run's journal): %s.", strings.Join(causes, " | "))
	e.note("Cut-over: rewire is `rewire run --lab examples/nat-to-bridge.lua`, which also re-points the lab's 2 guests' NICs live and persistent and runs its checks (gateway ping, taps in br0); the baseline is an `ip` script (bridge, enslave eth0, move address, default route) that does neither. Probes: UDP from namespace rewire-lan to an echo responder in rewire-lab, 1 ms apart, from 100 ms before the job to 200 ms after; each rep is undone (`rewire rollback last`, the reverse `ip` script) before the next.")
	return nil
}

// counts is the median and worst of per-rep counts.
func counts(n []int, unit string) Value {
	ds := make([]time.Duration, len(n))
	for i, v := range n {
		ds[i] = time.Duration(v)
	}
	s := SpreadOf(ds)
	return Count(int(s.Median), int(s.Worst), s.N, unit)
}

// rollback is row 2: bad-gateway.lua's check fails; from that moment to the
// host answering the LAN in its restored state. Run in-process so the
// moment the check failed is known exactly (tx.RunScript's own steps).
func (e *env) rollback() error {
	var rwBack, shBack, rwGap, shGap []time.Duration
	script := e.example("bad-gateway.lua")
	for i := 0; i < e.Reps; i++ {
		st, err := tx.OpenStore(e.stateDir("rollback"))
		if err != nil {
			return err
		}
		s := &tx.Session{Store: st, Target: e.host, Script: script}
		en := engine.New(io.Discard, e.Modules(s)...)
		var failed, done time.Time
		tl, err := e.probeDuring(func() error {
			ctx := context.Background()
			if lerr := en.DoFile(ctx, script, nil); lerr != nil {
				s.Rollback()
				return lerr
			}
			if _, ok := en.RunChecks(ctx); ok {
				s.Commit()
				return fmt.Errorf("bad-gateway.lua's check passed")
			}
			failed = time.Now()
			rep := s.Rollback()
			done = time.Now()
			return rep.Err()
		})
		en.Close()
		if err != nil {
			return fmt.Errorf("bad-gateway.lua: %w", err)
		}
		back, ok := tl.FirstReplyAfter(done)
		if !ok {
			return fmt.Errorf("the lab host never answered after the rollback (%+v, check failed %v after the first probe, undo took %v)", tl.Outage(), failed.Sub(tl.Sent[0]), done.Sub(failed))
		}
		rwBack = append(rwBack, back.Sub(failed))
		rwGap = append(rwGap, tl.Window(failed, back).Outage().Longest)

		if _, err := runProc(e.host, nil, "sh", e.migrate); err != nil {
			return fmt.Errorf("baseline migrate.sh: %w", err)
		}
		tl, err = e.probeDuring(func() error {
			failed = time.Now()
			_, err := runProc(e.host, nil, "sh", e.revert)
			done = time.Now()
			return err
		})
		if err != nil {
			return fmt.Errorf("baseline revert.sh: %w", err)
		}
		if back, ok = tl.FirstReplyAfter(done); !ok {
			return fmt.Errorf("the lab host never answered after revert.sh")
		}
		shBack = append(shBack, back.Sub(failed))
		shGap = append(shGap, tl.Window(failed, back).Outage().Longest)
	}
	e.add(Row{Metric: "rollback: failed post-check → host answers the LAN again",
		Rewire: Spreads(SpreadOf(rwBack)), Baseline: Spreads(SpreadOf(shBack)), Target: "—"})
	e.add(Row{Metric: "rollback: longest gap seen from the LAN while undoing",
		Rewire: Spreads(SpreadOf(rwGap)), Baseline: Spreads(SpreadOf(shGap)), Target: "≤ 5 ms"})
	e.note("Rollback: rewire runs examples/bad-gateway.lua (its check pings 10.0.0.254, nobody) and rolls back every change from the journal; the baseline is the reverse `ip` script an admin types after the same failed check. Measured from the failed check to the first reply to a probe sent after the undo finished.")
	return nil
}
