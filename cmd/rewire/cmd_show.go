//go:build cgo

package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"rewire/bindings/overview"
)

func init() {
	register(command{name: "show", summary: "the host at a glance: bridges and ports, bonds, guests and their NICs, networks, NAT rules, open transactions (show [--lab] [--json])", run: runShow})
}

// runShow is `rewire show`: `brctl show`, /proc/net/bonding, `virsh
// list --all` with each guest's `domiflist` and `domifaddr`, `virsh
// net-list --all`, rewire's NAT rules and its unfinished transactions in
// one read-only screen. A part that cannot be read is named and skipped.
func runShow(args []string) int {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	var tf targetFlags
	tf.add(fs)
	pos, err := parseArgs(fs, args, 0)
	if err != nil {
		return 2
	}
	if len(pos) > 0 {
		return fail("show: no arguments expected, got %s", strings.Join(pos, " "))
	}
	tg, st, err := tf.open()
	if err != nil {
		return fail("show: %v", err)
	}
	defer tg.Close()
	o, err := overview.Read(tg, st)
	if err != nil {
		return fail("show: %v", err)
	}
	if tf.json {
		return encode(o)
	}
	writeOverview(os.Stdout, o)
	return 0
}

func writeOverview(out io.Writer, o *overview.Overview) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "BRIDGE\tPORT\tKIND\tSTATE\tGUEST")
	for _, b := range o.Bridges {
		if len(b.Ports) == 0 {
			fmt.Fprintf(w, "%s\t-\t\t\t\n", b.Name)
		}
		for i, p := range b.Ports {
			name := b.Name
			if i > 0 {
				name = ""
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", name, p.Name, p.Kind, p.Oper, p.Guest)
		}
	}
	w.Flush()
	if len(o.Bonds) > 0 {
		fmt.Fprintln(out)
		w = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "BOND\tMODE\tACTIVE\tMII\tSLAVES")
		for _, b := range o.Bonds {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", b.Bond, b.Mode, dash(b.ActiveSlave), b.MIIStatus, strings.Join(b.Slaves, ","))
		}
		w.Flush()
	}
	fmt.Fprintln(out)
	w = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "GUEST\tSTATE\tTAP\tTYPE\tSOURCE\tMODEL\tMAC\tIP")
	for _, g := range o.Guests {
		if len(g.NICs) == 0 {
			fmt.Fprintf(w, "%s\t%s\t-\t\t\t\t\t\n", g.Name, g.State)
		}
		for i, n := range g.NICs {
			name, state := g.Name, g.State
			if i > 0 {
				name, state = "", ""
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, state, dash(n.Dev), n.Type, n.Source, n.Model, n.MAC, dash(n.IP))
		}
	}
	w.Flush()
	fmt.Fprintln(out)
	w = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NETWORK\tACTIVE\tAUTOSTART\tBRIDGE\tFORWARD")
	for _, n := range o.Networks {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", n.Name, yesNo(n.Active), yesNo(n.Autostart), n.Bridge, n.Forward)
	}
	w.Flush()
	fmt.Fprintf(out, "\nNAT: %d rules of rewire's", len(o.NAT))
	tags := map[string]int{}
	var order []string
	for _, r := range o.NAT {
		if tags[r.Tag] == 0 {
			order = append(order, r.Tag)
		}
		tags[r.Tag]++
	}
	for i, t := range order {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(out, "%s%s (%d)", sep, t, tags[t])
	}
	fmt.Fprintln(out)
	if len(o.Transactions) == 0 {
		fmt.Fprintln(out, "transactions: none open or pending")
	}
	for _, t := range o.Transactions {
		fmt.Fprintf(out, "transaction %s: %s, %d changes (%s)\n", t.ID, t.State, t.Changes, dash(t.Script))
	}
	for _, m := range o.Missing {
		fmt.Fprintf(out, "not shown: %s\n", m)
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
