// Package bench is `rewire bench` (what `make bench` runs): the admin's
// jobs measured side by side with the way they are done today — a cut-over
// with `ip` commands, a `virsh update-device` loop, one `iptables` exec per
// rule, `bridge link` — on the throw-away lab host and private namespaces.
// It prints a Markdown table and never fails on a number.
package bench

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/cmd/rewire/internal/lab"
	"rewire/lua/engine"
)

// Config says how to run the benchmarks.
type Config struct {
	Self     string                            // the rewire binary, run as admins run it
	Whole    string                            // rewire-libvirt, the whole program Self hands off to ("" = Self is it)
	Modules  func(*tx.Session) []engine.Module // every Lua module, as the CLI wires them
	Examples string                            // the examples/ directory
	Reps     int                               // repetitions of each timed job
	NICs     []int                             // how many guest NICs to re-point (50, 200)
	Only     []string                          // row groups to measure (Groups); none: all
	Log      io.Writer                         // progress
}

// env is one bench run: the lab, its two sides, a scratch directory.
type env struct {
	Config
	lab     *lab.Lab
	host    *target.Target
	lan     *target.Target
	dir     string
	migrate string // baseline scripts
	revert  string
	rows    []Row
	notes   []string
}

// Groups are the bench's row groups, in the order they run.
var Groups = []string{"cut-over", "bond-cut-over", "rollback", "engine", "guardian", "guest-nics", "nat-rules", "bridge-list", "show"}

// Run brings the lab up, measures every row, takes the lab down, and
// returns the results page. A row that cannot be measured says why in its
// cells; only a lab that cannot be built is an error.
func Run(c Config) (string, error) {
	if c.Reps <= 0 {
		c.Reps = 9
	}
	if len(c.NICs) == 0 {
		c.NICs = []int{50, 200}
	}
	for _, g := range c.Only {
		if !slices.Contains(Groups, g) {
			return "", fmt.Errorf("no row group %q (%s)", g, strings.Join(Groups, ", "))
		}
	}
	l := lab.Default()
	if l.IsUp() {
		return "", fmt.Errorf("a lab is already up: bench builds its own (rewire lab down first)")
	}
	dir, err := os.MkdirTemp("", "rewire-bench-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	e := &env{Config: c, lab: l, dir: dir}
	if e.migrate, e.revert, err = writeScripts(dir); err != nil {
		return "", err
	}
	e.logf("lab up")
	if err := l.Up(func(string) {}); err != nil {
		return "", fmt.Errorf("lab up: %w", err)
	}
	defer func() {
		e.logf("lab down")
		l.Down(func(string) {})
	}()
	// Interrupted, the bench still leaves no lab behind for other tests to trip on.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		<-sig
		e.logf("interrupted: lab down")
		l.Down(func(string) {})
		os.Exit(130)
	}()
	if n := idleGuests(l.LibvirtdPID()); n > 0 {
		e.note("The lab's %d guests (TCG, netbooting: iPXE polls and spins a core each) run at SCHED_IDLE during the bench, as idle KVM guests cost a host nothing; the bench's own guests likewise.", n)
	}
	e.host, e.lan = l.Target(), l.LAN()
	defer e.host.Close()
	defer e.lan.Close()

	for _, step := range []struct {
		name string
		fn   func() error
	}{
		{"cut-over", e.cutover},
		{"bond-cut-over", e.bondCutOver},
		{"rollback", e.rollback},
		{"engine", e.engineRows},
		{"guardian", e.guardianRows},
		{"guest-nics", e.guestNICs},
		{"nat-rules", e.natRules},
		{"bridge-list", e.bridgeList},
		{"show", e.showRows},
	} {
		if len(c.Only) > 0 && !slices.Contains(c.Only, step.name) {
			continue
		}
		e.logf("%s", step.name)
		if err := step.fn(); err != nil {
			e.rows = append(e.rows, Row{Metric: step.name, Rewire: None("failed: " + err.Error())})
			e.logf("%s: %v", step.name, err)
		}
	}
	return Render(e.machine(), e.rows), nil
}

func (e *env) add(r Row) { e.rows = append(e.rows, r) }

func (e *env) note(format string, a ...any) { e.notes = append(e.notes, fmt.Sprintf(format, a...)) }

func (e *env) logf(format string, a ...any) {
	if e.Log != nil {
		fmt.Fprintf(e.Log, "bench: "+format+"\n", a...)
	}
}

// stateDir is a fresh journal directory, so runs never wait on each other's lock.
func (e *env) stateDir(name string) string {
	d := filepath.Join(e.dir, "state-"+name)
	os.MkdirAll(d, 0o700)
	return d
}

func (e *env) example(name string) string { return filepath.Join(e.Examples, name) }

func (e *env) machine() Machine {
	var u unix.Utsname
	unix.Uname(&u)
	return Machine{Cores: runtime.NumCPU(), Kernel: unix.ByteSliceToString(u.Release[:]), Date: time.Now(), Notes: e.notes}
}
