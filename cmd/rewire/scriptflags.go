package main

import (
	"flag"
	"time"

	"rewire/lua/engine"
	"rewire/lua/script"
)

// scriptFlags are the flags `run` and `plan` share: what to run, how it
// is guarded, what it may do, how much memory and time it gets.
type scriptFlags struct {
	chunk   string
	confirm time.Duration
	noGuard bool
	allow   string
	timeout time.Duration
	memory  string
}

// defaultMemory is the memory ceiling without --memory: far above what
// any recipe needs, far below what takes a host down.
const defaultMemory = "1GiB"

func (f *scriptFlags) add(fs *flag.FlagSet, verb string) {
	fs.StringVar(&f.chunk, "e", "", verb+" this Lua chunk instead of a file (like lua -e)")
	as := "" // a plan only says what these would do in a run
	if verb == "plan" {
		as = "as in run, where: "
	}
	fs.DurationVar(&f.confirm, "confirm", 0, as+"keep the change only if confirmed (Enter, or rewire confirm ID) within this time, e.g. 2m")
	fs.BoolVar(&f.noGuard, "no-guard", false, as+"no automatic probes, no automatic confirm-or-revert")
	fs.StringVar(&f.allow, "allow", "", "capabilities the script may use, if its header asks: exec,files,net")
	fs.DurationVar(&f.timeout, "timeout", 0, "end the script (and roll back) if it and its checks run longer, e.g. 30s; a header may ask for less")
	fs.StringVar(&f.memory, "memory", defaultMemory, "end the script (and roll back) if it grows the heap by more, e.g. 256MiB, or none; a header may ask for less")
}

// parse reads the flags and the script and its arguments from args; a
// non-zero code is the command's exit code after a usage error.
func (f *scriptFlags) parse(cmd string, fs *flag.FlagSet, args []string) (script.Options, engine.Caps, int) {
	rest, err := parseArgs(fs, args, 1)
	if err != nil {
		return script.Options{}, nil, 2
	}
	grant, err := engine.ParseCaps(f.allow)
	if err != nil {
		return script.Options{}, nil, fail("%s: --allow: %v", cmd, err)
	}
	memory, err := engine.ParseSize(f.memory)
	if err != nil {
		return script.Options{}, nil, fail("%s: --memory: %v", cmd, err)
	}
	if f.timeout < 0 {
		return script.Options{}, nil, fail("%s: --timeout: must not be negative", cmd)
	}
	opts := script.Options{Chunk: f.chunk, Limits: engine.Limits{Memory: memory, Timeout: f.timeout}}
	if f.chunk == "" {
		if len(rest) == 0 {
			return script.Options{}, nil, fail("%s: no script (rewire %s SCRIPT.lua [ARGS], or -e CHUNK)", cmd, cmd)
		}
		opts.File, rest = rest[0], rest[1:]
	}
	opts.Args = rest
	return opts, grant, 0
}
