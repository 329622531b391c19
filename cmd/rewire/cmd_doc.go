package main

import (
	"flag"
	"fmt"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

func init() {
	register(command{name: "doc", summary: "help on the Lua API: doc [module[.fn]]", run: runDoc})
}

func runDoc(args []string) int {
	fs := flag.NewFlagSet("doc", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	mods := append([]engine.Module{engine.Builtins}, allModules(&tx.Session{Target: target.Host()})...)
	out, err := engine.Doc(mods, fs.Arg(0))
	if err != nil {
		return fail("doc: %v", err)
	}
	fmt.Print(out)
	return 0
}
