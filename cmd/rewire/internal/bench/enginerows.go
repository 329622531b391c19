package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// engineRuns is how many times each process is started.
const engineRuns = 10

// engineRows is row 5: process start to exit for an empty recipe and for
// the REPL, the cost of one Lua -> Go call, and peak RSS.
func (e *env) engineRows() error {
	empty := filepath.Join(e.dir, "empty.lua")
	emptySh := filepath.Join(e.dir, "empty.sh")
	os.WriteFile(empty, nil, 0o644)
	os.WriteFile(emptySh, nil, 0o644)
	sd := e.stateDir("engine")

	rw, err := timeIt(engineRuns, func() error {
		_, err := runProc(nil, nil, e.Self, "run", "--lab", "--state-dir", sd, empty)
		return err
	})
	if err != nil {
		return err
	}
	sh, err := timeIt(engineRuns, func() error {
		_, err := runProc(nil, nil, "sh", emptySh)
		return err
	})
	if err != nil {
		return err
	}
	e.add(Row{Metric: "`rewire run --lab` of an empty script, process start to exit", Rewire: Spreads(SpreadOf(rw)), Baseline: Spreads(SpreadOf(sh)), Target: "≤ 15 ms"})
	if e.Whole != "" {
		whole, err := timeIt(engineRuns, func() error {
			_, err := runProc(nil, nil, e.Whole, "run", "--lab", "--state-dir", sd, empty)
			return err
		})
		if err != nil {
			return err
		}
		e.add(Row{Metric: "the same empty run: `rewire` (built without cgo) vs `rewire-libvirt` (the whole program, which loads libvirt's client library at start)",
			Rewire: Spreads(SpreadOf(rw)), Baseline: Spreads(SpreadOf(whole)), Target: "—"})
		e.note("Start-up: `rewire` is built without cgo and runs a script that names no libvirt module itself; anything else it execs `rewire-libvirt` with (README, Two binaries), so the rows that run nat-to-bridge.lua, the REPL and `rollback` time `rewire-libvirt` behind the front's exec. What the front saves is ld.so loading libvirt.so.0 and the libraries it links before main.")
	}

	// The REPL reads stdin to its end (here /dev/null), then exits.
	repl, err := timeIt(engineRuns, func() error {
		_, err := runProc(nil, nil, e.Self, "repl", "--lab", "--history", "", "--state-dir", sd)
		return err
	})
	if err != nil {
		return err
	}
	virsh, err := timeIt(engineRuns, func() error {
		_, err := runProc(nil, nil, "virsh", "-c", e.lab.LibvirtURI())
		return err
	})
	e.add(Row{Metric: "REPL start to exit (`rewire repl --lab`, stdin at EOF) vs interactive `virsh`", Rewire: Spreads(SpreadOf(repl)), Baseline: spreadsOr(virsh, err), Target: "≤ 50 ms"})

	call, luaCall, err := callCost()
	if err != nil {
		return err
	}
	e.add(Row{Metric: "one Lua → Go binding call (no-op) vs one Lua → Lua call", Rewire: Dur(call), Baseline: Dur(luaCall), Target: "—"})

	get, ipShow, err := e.linkGet()
	if err != nil {
		return err
	}
	e.add(Row{Metric: "read one link: `link.get(\"eth0\")` vs `ip -j link show eth0` exec", Rewire: Dur(get), Baseline: Spreads(SpreadOf(ipShow)), Target: "—"})

	return e.rssRows(empty, emptySh, sd)
}

// rssRows measures peak RSS of a whole cut-over and of an empty run, each
// against its shell counterpart, and the floor of the measuring tool.
func (e *env) rssRows(empty, emptySh, sd string) error {
	m, err := newRSSMeter()
	if err != nil {
		return err
	}
	floor, err := m.peak(nil, "true")
	if err != nil {
		return err
	}
	run, err := m.peak(nil, e.Self, "run", "--lab", "--state-dir", sd, e.example("nat-to-bridge.lua"))
	if err != nil {
		return err
	}
	if _, err := runProc(nil, nil, e.Self, "rollback", "--state-dir", sd, "last"); err != nil {
		return fmt.Errorf("undo the cut-over: %w", err)
	}
	sh, err := m.peak(e.host, "sh", e.migrate)
	if err != nil {
		return err
	}
	if _, err := runProc(e.host, nil, "sh", e.revert); err != nil {
		return fmt.Errorf("undo the baseline: %w", err)
	}
	emptyRun, err := m.peak(nil, e.Self, "run", "--lab", "--state-dir", sd, empty)
	if err != nil {
		return err
	}
	emptyShell, err := m.peak(nil, "sh", emptySh)
	if err != nil {
		return err
	}
	e.add(Row{Metric: "peak RSS: `rewire run --lab nat-to-bridge.lua` vs `sh migrate.sh` and its `ip` children", Rewire: KiB(run), Baseline: KiB(sh), Target: "—"})
	e.add(Row{Metric: "peak RSS: `rewire run --lab` of an empty script vs `sh` of an empty script", Rewire: KiB(emptyRun), Baseline: KiB(emptyShell), Target: "—"})
	e.note("Peak RSS is wait4's maxrss as `busybox time -v` reports it (its page-size factor undone: %dx), so a program this bench spawns is not charged with the bench's own memory; for `true` it reads %.1f MiB.", m.scale, float64(floor)/1024)
	return nil
}

func spreadsOr(ds []time.Duration, err error) Value {
	if err != nil {
		return None(err.Error())
	}
	return Spreads(SpreadOf(ds))
}

// callCost is the time of one call from Lua to a Go function (a module
// function, the way every binding is reached) and of one Lua-to-Lua
// call, each a loop's time divided by its length; the fastest of three
// loops, as a busy machine only ever adds time.
func callCost() (goCall, luaCall time.Duration, err error) {
	const n = 200000
	noop := engine.Module{Name: "benchmod", Doc: "bench", Funcs: []engine.Func{
		{Name: "noop", Doc: "does nothing", Fn: func(L *lua.LState) int { return 0 }},
	}}
	en := engine.New(io.Discard, noop)
	defer en.Close()
	loop := func(src string) (time.Duration, error) {
		ds, err := timeIt(3, func() error {
			if lerr := en.DoString(context.Background(), fmt.Sprintf(src, n), "bench"); lerr != nil {
				return fmt.Errorf("%s", lerr.Error())
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		return slices.Min(ds), nil
	}
	empty, err := loop(`for i = 1, %d do end`)
	if err != nil {
		return 0, 0, err
	}
	g, err := loop(`local f = benchmod.noop; for i = 1, %d do f(i) end`)
	if err != nil {
		return 0, 0, err
	}
	l, err := loop(`local function f(x) end; for i = 1, %d do f(i) end`)
	if err != nil {
		return 0, 0, err
	}
	return max(g-empty, 0) / n, max(l-empty, 0) / n, nil
}

// linkGet is the cost of reading one link through the binding (Lua, the
// netlink dump, conversion) and through one `ip` exec.
func (e *env) linkGet() (time.Duration, []time.Duration, error) {
	const n = 200
	s := &tx.Session{Target: e.host}
	en := engine.New(io.Discard, e.Modules(s)...)
	defer en.Close()
	start := time.Now()
	if lerr := en.DoString(context.Background(), fmt.Sprintf(`for i = 1, %d do assert(link.get("eth0").name == "eth0") end`, n), "bench"); lerr != nil {
		return 0, nil, fmt.Errorf("%s", lerr.Error())
	}
	per := time.Since(start) / n
	ip, err := timeIt(engineRuns*2, func() error {
		_, err := runProc(e.host, nil, "ip", "-j", "link", "show", "eth0")
		return err
	})
	return per, ip, err
}
