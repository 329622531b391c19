package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func init() {
	register(command{name: "man", summary: "print the rewire(1) man page (troff), made from the commands' own flags and summaries", run: runMan})
}

// shareDir is where the package puts the examples and the LuaLS
// definitions (-ldflags "-X main.shareDir=...").
var shareDir = "/usr/share/rewire"

func runMan(args []string) int {
	fs := flag.NewFlagSet("man", flag.ContinueOnError)
	if _, err := parseArgs(fs, args, 0); err != nil {
		return 2
	}
	writeMan(os.Stdout, currentVersion().Version)
	return 0
}

// helpCommand is `rewire help CMD`: the summary, the flags GNU-style, the examples.
func helpCommand(name string) int {
	d, ok := commandDoc(name)
	if !ok {
		return fail("help: unknown command %q (rewire help lists them)", name)
	}
	w := os.Stdout
	fmt.Fprintf(w, "rewire %s: %s\n", d.Name, d.Summary)
	if len(d.Subcommands) > 0 {
		fmt.Fprintf(w, "\nsubcommands: %s\n", strings.Join(d.Subcommands, ", "))
	}
	if len(d.Flags) > 0 {
		fmt.Fprintln(w, "\nflags:")
		for _, f := range d.Flags {
			fmt.Fprintf(w, "  %s\n      %s\n", flagSynopsis(f), withDefault(f))
		}
	}
	if len(d.Examples) > 0 {
		fmt.Fprintln(w, "\nexamples:")
		for _, e := range d.Examples {
			fmt.Fprintf(w, "  %s\n      %s\n", e.Line, e.Says)
		}
	}
	return 0
}

func flagSynopsis(f flagDoc) string {
	if f.Arg == "" {
		return f.Dashes()
	}
	return f.Dashes() + " " + f.Arg
}

func withDefault(f flagDoc) string {
	if f.Default == "" {
		return f.Usage
	}
	return f.Usage + " (default " + f.Default + ")"
}

// writeMan writes rewire(1) in man(7) troff.
func writeMan(w io.Writer, ver string) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p(`.TH REWIRE 1 "" "rewire %s" "User Commands"`, roff(ver))
	p(".SH NAME")
	p(`rewire \- script a KVM host's networking in Lua, every change in a transaction that can be rolled back`)
	p(".SH SYNOPSIS")
	p(`.B rewire`)
	p(`.I COMMAND`)
	p(`[\fIFLAGS\fR] [\fIARGS\fR]`)
	p(".br")
	p(`.B rewire \-\-version`)
	p(".SH DESCRIPTION")
	p("%s", roff("rewire changes bridges, bonds, VLANs, addresses, routes, sysctls, iptables NAT, dnsmasq DHCP and libvirt guest NICs from a Lua recipe. "+
		"Every change goes through a transaction: its prior state is journaled before the change, any error or failed check rolls everything back, "+
		"and rewire rollback undoes a committed run later. A change that touches the path of an admin session is kept only if confirmed in time; "+
		"a guardian process rolls it back otherwise, even when the session that made it is gone."))
	p(".PP")
	p("%s", roff("Flags are written --flag or -flag, with their value after a space or an equals sign."))
	p(".SH COMMANDS")
	for _, d := range commandDocs() {
		p(".SS %s", roff(d.Name))
		p("%s", roff(d.Summary))
		if len(d.Subcommands) > 0 {
			p(".PP")
			p("Subcommands: %s.", roff(strings.Join(d.Subcommands, ", ")))
		}
		for _, f := range d.Flags {
			p(".TP")
			if f.Arg == "" {
				p(`.B %s`, roff(f.Dashes()))
			} else {
				p(`.BI "%s " %s`, roff(f.Dashes()), roff(f.Arg))
			}
			p("%s", roff(withDefault(f)))
		}
		if len(d.Examples) > 0 {
			p(".PP")
			p("Examples:")
			for _, e := range d.Examples {
				p(".RS")
				p(".nf")
				p(`\fB%s\fR`, roff(e.Line))
				p(".fi")
				p("%s", roff(e.Says))
				p(".RE")
			}
		}
	}
	p(".SH ENVIRONMENT")
	for _, e := range [][2]string{
		{"REWIRE_STATE_DIR", "the journal and lock directory (default /var/lib/rewire)"},
		{"LIBVIRT_DEFAULT_URI", "the libvirt URI when --uri is not given (else qemu:///system)"},
		{"REWIRE_LAB_DIR", "the lab's own state (default /run/rewire-lab)"},
	} {
		p(".TP")
		p(".B %s", e[0])
		p("%s", roff(e[1]))
	}
	p(".SH FILES")
	for _, f := range [][2]string{
		{"/var/lib/rewire", "the journal: every transaction, its steps and their prior state"},
		{shareDir + "/examples", "example recipes"},
		{shareDir + "/rewire.d.lua", "LuaLS definitions of the Lua API (rewire doc --luals)"},
	} {
		p(".TP")
		p(".I %s", roff(f[0]))
		p("%s", roff(f[1]))
	}
	p(".SH EXIT STATUS")
	p("%s", roff("0 on success; 1 when the command failed (one line on stderr says why; a run's changes are rolled back); 2 on a usage error."))
	p(".SH SEE ALSO")
	p(`.BR ip (8), .BR iptables (8), .BR virsh (1), .BR dnsmasq (8)`)
}

// roff escapes text for troff: backslashes, hyphens, and a dot or quote
// that would start a request at the beginning of a line.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
