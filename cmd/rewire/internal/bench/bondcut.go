package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"rewire/cmd/rewire/internal/bench/lanprobe"
)

// bondCutOver is the cut-over of examples/bond-then-bridge.lua. It needs
// bonding, which the bench machine's kernel may lack, so it is measured
// in Debian's kernel under QEMU: testdata/kernel/run.sh --bench boots it
// and runs kernelcut there, which prints a lanprobe.CutReport.
func (e *env) bondCutOver() error {
	examples, err := filepath.Abs(e.Examples)
	if err != nil {
		return err
	}
	runSh := filepath.Join(filepath.Dir(examples), "testdata", "kernel", "run.sh")
	var out, errb bytes.Buffer
	cmd := exec.Command("bash", runSh, "--bench")
	cmd.Stdout = &out
	cmd.Stderr = &errb
	if e.Log != nil {
		cmd.Stderr = io.MultiWriter(&errb, e.Log) // the VM takes minutes: show its progress
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("testdata/kernel/run.sh --bench: %s", vmFailure(errb.String(), err))
	}
	var r lanprobe.CutReport
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return fmt.Errorf("testdata/kernel/run.sh --bench printed no report: %v", err)
	}
	vm := fmt.Sprintf("Debian kernel %s under QEMU TCG, %d vCPUs", r.Kernel, r.CPUs)
	floor := SpreadOf(r.Floor.Gaps)
	e.add(Row{Metric: "VM prober noise floor: longest gap while nothing changes (as long as the rep's rewire job, 300 ms at least), " + vm,
		Rewire: Spreads(floor), Baseline: None("same prober, no job"), Target: "—"})
	e.add(Row{Metric: "cut-over bond0 → br0 (bond-then-bridge.lua, Debian kernel under QEMU TCG): longest gap seen from the LAN (UDP probe every 1 ms)",
		Rewire: Spreads(SpreadOf(r.Rewire.Gaps)), Baseline: Spreads(SpreadOf(r.Script.Gaps)),
		Target: fmt.Sprintf("≤ floor + 0.5 ms (%s)", fmtDur(floor.Median+500*time.Microsecond))})
	e.add(Row{Metric: "cut-over bond0 → br0 (bond-then-bridge.lua, VM): lost probes",
		Rewire: counts(r.Rewire.Lost, "probes"), Baseline: counts(r.Script.Lost, "probes"), Target: "0"})
	e.add(Row{Metric: "cut-over bond0 → br0 (bond-then-bridge.lua, VM): the job itself, rewire in-process (engine, recipe, checks, commit) vs the script's `sh`",
		Rewire: Spreads(SpreadOf(r.Rewire.Jobs)), Baseline: Spreads(SpreadOf(r.Script.Jobs)), Target: "—"})
	e.note("Bond cut-over: `testdata/kernel/run.sh --bench` boots %s and runs cmd/rewire/internal/bench/kernelcut (static) there, %d reps: in fresh namespaces a host with NICs ens32 (10.0.0.111/24, default via 10.0.0.1) and ens36, veths to a LAN bridge holding 10.0.0.1; the same 1 ms UDP prober as the cut-over row, from 100 ms before the job to 200 ms after. rewire runs examples/bond-then-bridge.lua `ens32,ens36` in-process (Lua engine, one transaction, its checks, commit; no guardian: the VM has no rewire binary), then rolls it back from the journal; the baseline is the host's iproute2 `ip` script (bond0 active-backup miimon 100, br0 stp off forward_delay 0, ens36 into bond0, bond0 into br0, address, default route and MAC from ens32 to br0, ens32 into bond0) and its reverse. Each rep starts once the host is as before and the LAN reaches it. TCG timing is noisy: compare against the VM's own floor.", vm, r.Reps)
	e.note("Bond cut-over, where each rep's longest gap fell (from the run's journal): %s.", strings.Join(r.Rewire.Causes, " | "))
	return nil
}

// vmFailure is the line that says why run.sh --bench failed: kernelcut's
// own error if it got that far, else run.sh's last word.
func vmFailure(stderr string, err error) string {
	var kernelcut, runSh string
	for _, l := range strings.Split(stderr, "\n") {
		switch {
		case strings.HasPrefix(l, "kernelcut: ") && !strings.HasPrefix(l, "kernelcut: rep "):
			kernelcut = l
		case strings.HasPrefix(l, "kernel-vm: "):
			runSh = l
		}
	}
	switch {
	case kernelcut != "":
		return kernelcut
	case runSh != "":
		return runSh
	case strings.TrimSpace(stderr) != "":
		return lastLine(stderr)
	}
	return err.Error()
}
