//go:build cgo

package main

import (
	"flag"
	"fmt"
	"os"

	"rewire/bindings/host"
	"rewire/bindings/snapshot"
	"rewire/bindings/target"
	"rewire/cmd/rewire/internal/lab"
)

func init() {
	register(command{name: "snapshot", summary: "read this host's networking into a JSON file (snapshot [--lab] [-o host.json] | --diff a.json b.json)", run: runSnapshot})
}

// runSnapshot is `rewire snapshot`: links, addresses, routes, rules,
// sysctls, firewall, libvirt networks and guests (secrets stripped) and
// leases, and who manages each device — read-only, no state dir, no
// lock. With --diff it compares two snapshot files, one line per change.
func runSnapshot(args []string) int {
	fs := flag.NewFlagSet("snapshot", flag.ContinueOnError)
	onLab := fs.Bool("lab", false, "the throw-away lab host (rewire lab up) instead of this host")
	out := fs.String("o", "", "write the snapshot to this file (mode 0600) instead of standard output")
	diff := fs.Bool("diff", false, "compare two snapshot files: snapshot --diff a.json b.json")
	pos, err := parseArgs(fs, args, 0)
	if err != nil {
		return 2
	}
	if *diff {
		if len(pos) != 2 {
			return fail("snapshot --diff: two files, got %d", len(pos))
		}
		return snapshotDiff(pos[0], pos[1])
	}
	if len(pos) > 0 {
		return fail("snapshot: no arguments but flags, got %q (a file is -o FILE)", pos[0])
	}
	tg := target.Host()
	tg.Name = "host"
	if *onLab {
		l := lab.Default()
		if !l.IsUp() {
			return fail("the lab is not up: run `rewire lab up` first")
		}
		tg = l.Target()
	}
	defer tg.Close()
	s, err := snapshot.Capture(tg, host.RootsFor(tg), libvirtURIOf(tg))
	if err != nil {
		return fail("%v", err)
	}
	for _, n := range s.Notes {
		fmt.Fprintln(os.Stderr, "snapshot: "+n)
	}
	b, err := s.Marshal()
	if err != nil {
		return fail("snapshot: %v", err)
	}
	if *out == "" {
		os.Stdout.Write(b)
		return 0
	}
	// 0600: the firewall and the guests' XML are the host's business.
	if err := os.WriteFile(*out, b, 0o600); err != nil {
		return fail("snapshot: %v", err)
	}
	fmt.Fprintf(os.Stderr, "snapshot of %s: %d links, %d routes, %d networks, %d domains -> %s\n",
		tg.Name, len(s.Links), len(s.Routes), len(s.Networks), len(s.Domains), *out)
	return 0
}

// libvirtURIOf is the URI `virsh` would use for tg: its own (the lab's),
// else $LIBVIRT_DEFAULT_URI, else the system daemon.
func libvirtURIOf(tg *target.Target) string {
	if tg.LibvirtURI != "" {
		return tg.LibvirtURI
	}
	if u := os.Getenv("LIBVIRT_DEFAULT_URI"); u != "" {
		return u
	}
	return "qemu:///system"
}

func snapshotDiff(a, b string) int {
	sa, err := snapshot.Load(a)
	if err != nil {
		return fail("%v", err)
	}
	sb, err := snapshot.Load(b)
	if err != nil {
		return fail("%v", err)
	}
	for _, line := range snapshot.Diff(sa, sb) {
		fmt.Println(line)
	}
	return 0
}
