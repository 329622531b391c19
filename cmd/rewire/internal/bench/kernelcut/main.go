// Command kernelcut measures the cut-over of examples/bond-then-bridge.lua
// from the LAN inside Debian's kernel (testdata/kernel/run.sh --bench
// boots it; this kernel has bonding, the bench machine's may not), against
// the `ip` script that does the same, and prints one lanprobe.CutReport as
// JSON on stdout. It is static (no cgo): the VM has no C library.
//
//	kernelcut [-reps N] [-recipe examples/bond-then-bridge.lua]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"rewire/bindings/bond/kerneltest"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/cmd/rewire/internal/bench/lanprobe"
)

// The host of SCENARIOS.md S3, as bindings/bond/kerneltest builds it.
const (
	hostIP    = "10.0.0.111"
	gatewayIP = "10.0.0.1"
	ens32MAC  = "52:54:00:aa:bb:32"
	ens36MAC  = "52:54:00:aa:bb:36"
)

// idleWindow is the least the noise floor's job does nothing for.
const idleWindow = 300 * time.Millisecond

func main() {
	reps := flag.Int("reps", 9, "repetitions of each measurement")
	recipe := flag.String("recipe", "examples/bond-then-bridge.lua", "the cut-over recipe")
	traced := flag.Bool("trace", false, "print each rewire rep's changes and probe runs, and a CPU-burn control, on stderr")
	watch := flag.Bool("watch", false, "with -trace, also poll the LAN bridge's FDB and ports every 2 ms during each rewire job (adds load)")
	warm := flag.Bool("warm", false, "enslave a throw-away bond's slave once before the first rep")
	profile := flag.String("cpuprofile", "", "write a CPU profile of each rewire job to PREFIX-REP.pprof")
	flag.Parse()
	tb := &programTB{}
	report, err := measure(tb, *reps, *recipe, *traced, *profile, *warm, *watch)
	tb.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kernelcut: "+err.Error())
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	enc.Encode(report)
}

// measure builds the host and its LAN and measures, rep by rep, rewire's
// cut-over, the idle prober for as long, and the script's cut-over, each
// undone before the next.
func measure(tb *programTB, reps int, recipe string, traced bool, profile string, warm, watch bool) (*lanprobe.CutReport, error) {
	if _, err := os.Stat(recipe); err != nil {
		return nil, fmt.Errorf("recipe: %w", err)
	}
	hl := nstest.NewHostLAN(tb, nstest.LANSpec{
		Gateway: gatewayIP + "/24",
		NICs: []nstest.NIC{
			{Name: "ens32", MAC: ens32MAC, Peer: "lan-a", CIDR: hostIP + "/24"},
			{Name: "ens36", MAC: ens36MAC, Peer: "lan-b"},
		},
		Setup: kerneltest.NoIPv6,
	})
	dir := tb.TempDir()
	store, err := tx.OpenStore(dir)
	if err != nil {
		return nil, err
	}
	c := &cut{tb: tb, host: hl.Host, lan: hl.LAN, store: store, storeDir: dir, recipe: recipe, trace: traced, watch: watch, profile: profile}
	if c.before, err = kerneltest.Snapshot(c.host); err != nil {
		return nil, err
	}
	if err := c.settled("set-up"); err != nil {
		return nil, err
	}
	if warm {
		if err := warmBonding(tb); err != nil {
			return nil, err
		}
	}
	r := &lanprobe.CutReport{Kernel: release(), CPUs: runtime.NumCPU(), Reps: reps}
	for i := 0; i < reps; i++ {
		if err := c.rewire(&r.Rewire); err != nil {
			return nil, err
		}
		// The floor watches as long as the job ran: the longest gap of a
		// longer window is longer by chance alone (a TCG guest stalls
		// whenever its host is busy).
		idle := max(idleWindow, r.Rewire.Jobs[i])
		tl, err := lanprobe.During(c.host, c.lan, hostIP, func() error { time.Sleep(idle); return nil })
		if err != nil {
			return nil, fmt.Errorf("idle probing: %w", err)
		}
		r.Floor.Add(tl.Outage(), 0)
		if traced {
			if err := c.burnControl(r.Rewire.Jobs[i]); err != nil {
				return nil, err
			}
		}
		if err := c.script(&r.Script); err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "kernelcut: rep %d: floor %v, rewire %v, ip script %v\n", i+1,
			r.Floor.Gaps[i], r.Rewire.Gaps[i], r.Script.Gaps[i])
	}
	return r, nil
}

func release() string {
	var u unix.Utsname
	unix.Uname(&u)
	return unix.ByteSliceToString(u.Release[:])
}
