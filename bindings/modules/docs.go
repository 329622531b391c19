package modules

import (
	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// Documented is the whole Lua API of this build as `rewire doc` shows it:
// the engine's globals, then every module (bound to the host; nothing is
// called).
func Documented() []engine.Module {
	return append([]engine.Module{engine.Builtins}, All(&tx.Session{Target: target.Host()})...)
}
