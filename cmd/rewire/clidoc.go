package main

import (
	"io"
	"os"
	"sort"
	"strings"
	"sync"
)

// The help, the man page and the shell completions are all read from the
// commands themselves: their summaries, and the flag sets each command
// builds in its own file. A flag set is read the way `rewire CMD -h`
// prints it (flag.PrintDefaults), so what the man page says is what
// --help says.

// flagDoc is one flag as its command's flag set declares it.
type flagDoc struct {
	Name    string // without dashes
	Arg     string // the value's name (DURATION, STRING), "" for a switch
	Usage   string
	Default string // as flag prints it, quotes included for strings
}

// Dashes is the flag as GNU-style help writes it: --name, or -e for one letter.
func (f flagDoc) Dashes() string {
	if len(f.Name) == 1 {
		return "-" + f.Name
	}
	return "--" + f.Name
}

// cmdDoc is one command's documentation.
type cmdDoc struct {
	Name, Summary string
	Flags         []flagDoc
	Subcommands   []string
	Examples      []example
}

var (
	docsOnce sync.Once
	docs     []cmdDoc
)

// commandDocs is every command people start (not the guardian), sorted.
func commandDocs() []cmdDoc {
	docsOnce.Do(func() {
		for _, name := range publicCommands() {
			c := commands[name]
			docs = append(docs, cmdDoc{Name: name, Summary: c.summary, Flags: flagsOf(c),
				Subcommands: subcommands[name], Examples: examples[name]})
		}
	})
	return docs
}

// publicCommands are the command names `rewire help` lists.
func publicCommands() []string {
	var names []string
	for n := range commands {
		if n != "guardian" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func commandDoc(name string) (cmdDoc, bool) {
	for _, d := range commandDocs() {
		if d.Name == name {
			return d, true
		}
	}
	return cmdDoc{}, false
}

// flagsOf runs the command with -h, as a user asking for help would, and
// reads the flag defaults it prints to stderr. Every command parses its
// flags before it does anything, so -h has no other effect.
func flagsOf(c command) []flagDoc {
	r, w, err := os.Pipe()
	if err != nil {
		return nil
	}
	out := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		r.Close()
		out <- string(b)
	}()
	saved := os.Stderr
	os.Stderr = w
	func() {
		defer func() { os.Stderr = saved; w.Close() }()
		c.run([]string{"-h"})
	}()
	return parseDefaults(<-out)
}

// parseDefaults reads flag.PrintDefaults's output: "  -name type" then
// the usage on lines indented by a tab ("  -x\tusage" for a short one).
func parseDefaults(s string) []flagDoc {
	var fl []flagDoc
	for _, line := range strings.Split(s, "\n") {
		switch {
		case strings.HasPrefix(line, "  -"):
			head, usage, _ := strings.Cut(strings.TrimPrefix(line, "  -"), "\t")
			name, arg, _ := strings.Cut(head, " ")
			fl = append(fl, flagDoc{Name: name, Arg: strings.ToUpper(arg), Usage: usage})
		case strings.HasPrefix(line, "    \t") && len(fl) > 0:
			f := &fl[len(fl)-1]
			f.Usage = strings.TrimSpace(f.Usage + " " + strings.TrimPrefix(line, "    \t"))
		}
	}
	for i := range fl {
		f := &fl[i]
		if j := strings.LastIndex(f.Usage, " (default "); j >= 0 && strings.HasSuffix(f.Usage, ")") {
			f.Default = f.Usage[j+len(" (default ") : len(f.Usage)-1]
			f.Usage = f.Usage[:j]
		}
	}
	return fl
}
