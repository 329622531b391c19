package main

import (
	"rewire/bindings/netstack"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// moduleSets are the bindings wired into every engine the CLI makes. The
// kernel-only set comes from netstack; wire_*.go files add the rest (e.g.
// libvirt's) in init, each owning its file.
var moduleSets = []func(*tx.Session) []engine.Module{netstack.Modules}

func addModules(f func(*tx.Session) []engine.Module) { moduleSets = append(moduleSets, f) }

// allModules returns every Lua module for a session.
func allModules(s *tx.Session) []engine.Module {
	var out []engine.Module
	for _, f := range moduleSets {
		out = append(out, f(s)...)
	}
	return out
}
