// Package modules is the one list of rewire's Lua modules: which exist,
// in which order they are opened, and which need cgo (libvirt) — those
// are added by libvirt.go, built only with cgo, so a static binary (the
// distro-kernel VM tests) carries every other module of cmd/rewire.
package modules

import (
	"rewire/bindings/addr"
	"rewire/bindings/bond"
	"rewire/bindings/bridge"
	"rewire/bindings/dnsmasq"
	"rewire/bindings/exec"
	"rewire/bindings/files"
	"rewire/bindings/host"
	"rewire/bindings/link"
	"rewire/bindings/nat"
	"rewire/bindings/persist"
	"rewire/bindings/probe"
	"rewire/bindings/route"
	"rewire/bindings/sysctl"
	"rewire/bindings/tx"
	"rewire/bindings/tx/txlua"
	"rewire/bindings/vlan"
	"rewire/lua/engine"
)

// Entry is one Lua module.
type Entry struct {
	Name    string
	Libvirt bool // needs libvirt (cgo); absent from a static build
	New     func(*tx.Session) engine.Module
}

// List is every module of this build, in the order they are opened.
var List = []Entry{
	{Name: "tx", New: txlua.Module},
	{Name: "link", New: link.Module},
	{Name: "bridge", New: bridge.Module},
	{Name: "addr", New: addr.Module},
	{Name: "route", New: route.Module},
	{Name: "sysctl", New: sysctl.Module},
	{Name: "probe", New: probe.Module},
	{Name: "bond", New: bond.Module},
	{Name: "vlan", New: vlan.Module},
	{Name: "nat", New: nat.Module},
	{Name: "dnsmasq", New: dnsmasq.Module},
	{Name: "files", New: files.Module},
	{Name: "exec", New: exec.Module},
	{Name: "host", New: host.Module},
	{Name: "persist", New: persist.Module},
}

// register adds a module to List (libvirt.go, and wire files of
// optional parts, call it from init).
func register(e Entry) { List = append(List, e) }

// All returns every module of this build bound to a session.
func All(s *tx.Session) []engine.Module { return pick(s, func(Entry) bool { return true }) }

// Kernel returns the modules that need no libvirt: what a host without
// libvirtd, or a test with no daemon, gets.
func Kernel(s *tx.Session) []engine.Module { return pick(s, func(e Entry) bool { return !e.Libvirt }) }

func pick(s *tx.Session, keep func(Entry) bool) []engine.Module {
	var out []engine.Module
	for _, e := range List {
		if keep(e) {
			out = append(out, e.New(s))
		}
	}
	return out
}
