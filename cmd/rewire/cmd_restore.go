//go:build cgo

package main

import (
	"flag"
	"fmt"
	"path/filepath"

	"rewire/bindings/host"
	"rewire/bindings/persist"
	"rewire/bindings/target"
	"rewire/cmd/rewire/internal/lab"
)

func init() {
	register(command{name: "restore", summary: "at boot: put back the NAT chains persist kept (restore [--root DIR] [--netns PATH | --lab] [--json])", run: runRestore})
}

// runRestore is `rewire restore`, what rewire-restore.service runs at
// boot: rewire's REWIRE-* chains, their jumps and rules from
// ROOT/etc/rewire/nat.rules and nat6.rules, applied with iptables-restore
// --noflush (persist.Restore). Only rewire's chains are touched, and a set
// already as the files say is left alone, so running it twice changes
// nothing. It opens no transaction: it puts back what a committed one
// persisted.
//
// The rules go into the namespace rewire runs in, or the one bound at
// --netns (`ip netns exec NAME rewire restore`, without the exec). The
// unit persist writes for a host bound at a namespace path names it, so
// the unit restores there from wherever it is started; --lab is the lab
// host's root and namespace, the same as its unit's `--root LAB/host
// --netns /run/netns/rewire-lab`.
func runRestore(args []string) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	root := fs.String("root", "/", "the file system root whose etc/rewire holds the rules")
	netns := fs.String("netns", "", "the network namespace bound at this path (/run/netns/NAME) gets the rules, not rewire's own")
	onLab := fs.Bool("lab", false, "the throw-away lab host (rewire lab up): its root and its namespace")
	asJSON := fs.Bool("json", false, "print data as JSON")
	pos, err := parseArgs(fs, args, 0)
	if err != nil {
		return 2
	}
	if len(pos) > 0 {
		return fail("restore: no arguments expected, got %q", pos)
	}
	tg := target.Host()
	etc := filepath.Join(*root, "etc")
	switch {
	case *onLab && (*netns != "" || *root != "/"):
		return fail("restore: --lab is the lab host's root and namespace: no --root or --netns with it")
	case *onLab:
		l := lab.Default()
		if !l.IsUp() {
			return fail("the lab is not up: run `rewire lab up` first")
		}
		tg = l.Target()
		etc = host.RootsFor(tg).Etc
	case *netns != "":
		if !target.IsNS(*netns) {
			return fail("restore: --netns %s: not a network namespace", *netns)
		}
		tg = target.AtPath("restore", *netns)
	}
	defer tg.Close()
	res, err := persist.Restore(tg, etc)
	if err != nil {
		return fail("restore: %v", err)
	}
	if *asJSON {
		return encode(res)
	}
	if len(res) == 0 {
		fmt.Printf("no rules kept in %s\n", filepath.Join(etc, "rewire"))
	}
	for _, r := range res {
		verb := "unchanged (already as kept)"
		if r.Changed {
			verb = "restored"
		}
		fmt.Printf("%s %s: %s\n", r.Family, r.Path, verb)
	}
	return 0
}
