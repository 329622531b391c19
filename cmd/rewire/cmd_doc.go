package main

import (
	"flag"
	"fmt"

	"rewire/bindings/modules"
	"rewire/lua/engine"
	"rewire/lua/repl"
)

func init() {
	register(command{name: "doc", summary: "help on the Lua API: doc [module[.fn]] | --luals | --markdown", run: runDoc})
}

func runDoc(args []string) int {
	fs := flag.NewFlagSet("doc", flag.ContinueOnError)
	luals := fs.Bool("luals", false, "print a LuaLS ---@meta definition file (rewire doc --luals > rewire.d.lua)")
	markdown := fs.Bool("markdown", false, "print the README's API table and verb rule")
	pos, err := parseArgs(fs, args, 0)
	if err != nil {
		return 2
	}
	mods := modules.Documented()
	switch {
	case *luals:
		fmt.Print(repl.LuaLS(mods))
		return 0
	case *markdown:
		fmt.Print(engine.Markdown(mods))
		return 0
	}
	topic := ""
	if len(pos) > 0 {
		topic = pos[0]
	}
	out, err := engine.Doc(mods, topic)
	if err != nil {
		return fail("doc: %v", err)
	}
	fmt.Print(out)
	return 0
}
