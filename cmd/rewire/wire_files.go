package main

import (
	"rewire/bindings/exec"
	"rewire/bindings/files"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// Files and programs: the bindings a script reaches only with the
// capabilities its header declares and the user grants (--allow).
func init() {
	addModules(func(s *tx.Session) []engine.Module {
		return []engine.Module{files.Module(s), exec.Module(s)}
	})
}
