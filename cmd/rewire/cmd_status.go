//go:build cgo

package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"rewire/bindings/host"
	"rewire/bindings/target"
	"rewire/cmd/rewire/internal/lab"
)

func init() {
	register(command{name: "status", summary: "who manages each network device, and how each address came (status [--lab] [--json] [DEVICE])", run: runStatus})
}

// runStatus is `rewire status`: what `nmcli device status`, `networkctl
// list` and `ifquery --state` would say together, one line per device —
// name, manager, state, profile, addresses with their origin — after one
// line naming the managers that run. Read-only; no state dir, no lock.
func runStatus(args []string) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	onLab := fs.Bool("lab", false, "the throw-away lab host (rewire lab up) instead of this host")
	asJSON := fs.Bool("json", false, "print data as JSON")
	pos, err := parseArgs(fs, args, 0)
	if err != nil {
		return 2
	}
	if len(pos) > 1 {
		return fail("status: one device at most, got %s", strings.Join(pos, " "))
	}
	tg := target.Host()
	if *onLab {
		l := lab.Default()
		if !l.IsUp() {
			return fail("the lab is not up: run `rewire lab up` first")
		}
		tg = l.Target()
	}
	defer tg.Close()
	roots := host.RootsFor(tg)
	if len(pos) == 1 {
		d, err := host.DeviceOf(tg, roots, pos[0])
		if err != nil {
			return fail("status %s: %v", pos[0], err)
		}
		if *asJSON {
			return encode(d)
		}
		writeDevices(os.Stdout, []host.Device{d})
		return 0
	}
	ms, err := host.Managers(tg, roots)
	if err != nil {
		return fail("status: %v", err)
	}
	devs, err := host.Devices(tg, roots)
	if err != nil {
		return fail("status: %v", err)
	}
	if *asJSON {
		return encode(map[string]any{"managers": ms, "devices": devs})
	}
	fmt.Println(managersLine(ms))
	writeDevices(os.Stdout, devs)
	return 0
}

// managersLine is "managers: NetworkManager 1.42.4, ifupdown 0.8.41" (or "none").
func managersLine(ms []host.Manager) string {
	var on []string
	for _, m := range ms {
		if m.Running {
			on = append(on, strings.TrimSpace(m.Name+" "+m.Version))
		}
	}
	if len(on) == 0 {
		return "managers: none"
	}
	return "managers: " + strings.Join(on, ", ")
}

// writeDevices prints one line per device; each address as
// "CIDR origin[ client][ Ns left]".
func writeDevices(out io.Writer, devs []host.Device) {
	w := tabwriter.NewWriter(out, 0, 2, 2, ' ', 0)
	fmt.Fprintln(w, "DEVICE\tMANAGER\tSTATE\tPROFILE\tADDRESSES")
	for _, d := range devs {
		mgr := d.Manager
		if d.Frontend != "" {
			mgr += " (" + d.Frontend + ")"
		}
		prof := d.Profile
		if prof == "" {
			prof = "-"
		}
		var addrs []string
		for _, a := range d.Addresses {
			s := a.CIDR + " " + a.Origin
			if a.Client != "" {
				s += " by " + a.Client
			}
			if a.ValidLft != host.Forever {
				s += fmt.Sprintf(" %ds left", a.ValidLft)
			}
			addrs = append(addrs, s)
		}
		if d.Zone != "" {
			addrs = append(addrs, "zone "+d.Zone)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", d.Name, mgr, d.State, prof, strings.Join(addrs, ", "))
	}
	w.Flush()
}
