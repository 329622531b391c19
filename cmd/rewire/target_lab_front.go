//go:build !cgo

package main

import (
	"rewire/bindings/target"
	"rewire/cmd/rewire/internal/labpath"
)

// labTarget is the lab host for a build without libvirt: its namespace
// and state directory (a script that needs the lab's libvirtd is handed
// to rewire-libvirt before it gets here).
func labTarget() *target.Target {
	t := target.AtPath("lab", labpath.HostPath())
	t.StateDir = labpath.Dir()
	return t
}
