// Package netstack wires the bindings that need only the kernel and its
// user-space tools — no libvirt, no cgo — so a static binary (the
// distro-kernel VM tests) carries the same Lua API as cmd/rewire.
package netstack

import (
	"rewire/bindings/addr"
	"rewire/bindings/bond"
	"rewire/bindings/bridge"
	"rewire/bindings/link"
	"rewire/bindings/probe"
	"rewire/bindings/route"
	"rewire/bindings/sysctl"
	"rewire/bindings/tx"
	"rewire/bindings/vlan"
	"rewire/lua/engine"
)

// Modules returns the kernel-only Lua modules bound to a session.
func Modules(s *tx.Session) []engine.Module {
	return []engine.Module{
		tx.Module(s),
		link.Module(s),
		bridge.Module(s),
		addr.Module(s),
		route.Module(s),
		sysctl.Module(s),
		probe.Module(s),
		bond.Module(s),
		vlan.Module(s),
	}
}
