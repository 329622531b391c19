package main

import (
	"rewire/bindings/dnsmasq"
	"rewire/bindings/nat"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// The firewall and DHCP bindings: iptables NAT rules and dnsmasq.
func init() {
	addModules(func(s *tx.Session) []engine.Module {
		return []engine.Module{nat.Module(s), dnsmasq.Module(s)}
	})
}
