//go:build cgo

package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"rewire/bindings/modules"
	"rewire/cmd/rewire/internal/bench"
)

// bench lives in the CLI rather than in `go test -bench`: its rows time
// this very binary from process start to exit, run recipes with the
// modules the CLI wires, and build the lab once for one ordered run whose
// rows sit side by side in one table.
func init() {
	register(command{name: "bench", summary: "measure rewire against ip/virsh/iptables on a throw-away lab (make bench)", run: runBench})
}

func runBench(args []string) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	out := fs.String("out", "docs/bench-results.md", "also write the results table here (\"\" for stdout only)")
	examples := fs.String("examples", "examples", "directory holding nat-to-bridge.lua and bad-gateway.lua")
	reps := fs.Int("reps", 9, "repetitions of each timed job (median and worst are reported)")
	nics := fs.String("nics", "50,200", "guest NIC counts to re-point over the bench's 10 guests, comma separated")
	only := fs.String("only", "", "measure only these rows, comma separated: "+strings.Join(bench.Groups, ","))
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var counts []int
	for _, f := range strings.Split(*nics, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return fail("bench: --nics %q: want counts like 10,50", *nics)
		}
		counts = append(counts, n)
	}
	self, err := os.Executable()
	if err != nil {
		return fail("bench: %v", err)
	}
	var groups []string
	if *only != "" {
		groups = strings.Split(*only, ",")
	}
	page, err := bench.Run(bench.Config{Self: frontOf(self), Whole: wholeBeside(self), Modules: modules.All, Examples: *examples, Reps: *reps, NICs: counts, Only: groups, Log: os.Stderr})
	if err != nil {
		return fail("bench: %v", err)
	}
	fmt.Print(page)
	if *out != "" {
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			return fail("bench: %v", err)
		}
		if err := os.WriteFile(*out, []byte(page), 0o644); err != nil {
			return fail("bench: %v", err)
		}
	}
	return 0
}
