package main

import (
	"rewire/bindings/domain"
	"rewire/bindings/tx"
	"rewire/bindings/virtnet"
	"rewire/lua/engine"
)

// The libvirt bindings: `domain` (guests) and `network` (libvirt networks).
// The lab's libvirtd registers itself from the lab package's init.
func init() {
	addModules(func(s *tx.Session) []engine.Module {
		return []engine.Module{domain.Module(s), virtnet.Module(s)}
	})
}
