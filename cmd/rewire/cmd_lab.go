//go:build cgo

package main

import (
	"flag"
	"fmt"
	"os"
	"sort"

	"rewire/bindings/snapshot"
	"rewire/cmd/rewire/internal/lab"
)

func init() {
	register(command{name: "lab", summary: "throw-away lab host in namespaces: lab up [--manager M] [--dhcp] [--from host.json] | reboot | down | status", run: runLab})
}

func runLab(args []string) int {
	fs := flag.NewFlagSet("lab", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print status as JSON")
	manager := fs.String("manager", lab.ManagerNone, "lab up: who manages the lab host's eth0: none (static, no manager), networkd, networkmanager or ifupdown (the real daemon, inside the lab)")
	from := fs.String("from", "", "lab up: build the lab host from a snapshot file (rewire snapshot -o FILE on the host to rehearse)")
	dhcp := fs.Bool("dhcp", false, "lab up: eth0 leases its address (reserved 10.0.0.111, 2m) from the LAN's DHCP server instead of a static profile")
	pos, err := parseArgs(fs, args, 0)
	if err != nil {
		return 2
	}
	sub := ""
	if len(pos) > 0 {
		sub = pos[0]
	}
	l := lab.Default()
	say := func(s string) { fmt.Fprintln(os.Stderr, s) }
	switch sub {
	case "up":
		l.Flavour = lab.Flavour{Manager: *manager, DHCP: *dhcp}
		if err := lab.CheckFlavour(l.Flavour); err != nil {
			return fail("lab up: %v", err)
		}
		if *from != "" {
			s, err := snapshot.Load(*from)
			if err != nil {
				return fail("lab up: %v", err)
			}
			l.From, l.FromName = s, *from
		}
		if err := l.Up(say); err != nil {
			return fail("lab up: %v", err)
		}
		return 0
	case "reboot":
		if err := l.Reboot(say); err != nil {
			return fail("lab reboot: %v", err)
		}
		return 0
	case "down":
		if err := l.Down(say); err != nil {
			return fail("lab down: %v", err)
		}
		return 0
	case "status", "":
		st := l.Status()
		if *asJSON {
			return encode(st)
		}
		keys := make([]string, 0, len(st))
		for k := range st {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Printf("%-12s %v\n", k, st[k])
		}
		return 0
	}
	return fail("lab: unknown subcommand %q (up, reboot, down, status)", sub)
}
