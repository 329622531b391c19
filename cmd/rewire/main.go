// Command rewire scripts a KVM host's networking in Lua, every change in a
// transaction that can be rolled back. `rewire help` lists the commands.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

// command is one subcommand; each lives in its own cmd_*.go file and
// registers itself in init.
type command struct {
	name    string
	summary string
	run     func(args []string) int
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

func main() {
	if handsOffCommand != nil && handsOffCommand(commandName()) {
		os.Exit(handOff())
	}
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	name := os.Args[1]
	if name == "help" && len(os.Args) > 2 { // rewire help CMD: flags and examples
		os.Exit(helpCommand(os.Args[2]))
	}
	if name == "-h" || name == "--help" || name == "help" {
		usage()
		return
	}
	if name == "--version" {
		name = "version"
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "rewire: unknown command %q (rewire help lists them)\n", name)
		os.Exit(2)
	}
	os.Exit(c.run(os.Args[2:]))
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: rewire COMMAND [flags] [args]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		if n == "guardian" { // armed by run and repl, not started by people
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(os.Stderr, "\n`rewire help COMMAND` shows a command's flags and examples; man rewire all of them.")
}

// fail prints one line to stderr and returns exit code 1.
func fail(format string, a ...any) int {
	msg := fmt.Sprintf(format, a...)
	fmt.Fprintln(os.Stderr, "rewire: "+strings.TrimSpace(msg))
	return 1
}

// parseArgs parses flags wherever they stand among the positional
// arguments (`journal list --json` as well as `journal --json list`) and
// returns the positionals. For run, everything after the script belongs
// to the script: stopAfter is how many positionals end flag parsing.
func parseArgs(fs *flag.FlagSet, args []string, stopAfter int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
		if stopAfter > 0 && len(pos) >= stopAfter {
			return append(pos, args...), nil
		}
	}
}
