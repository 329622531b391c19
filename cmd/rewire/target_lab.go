//go:build cgo

package main

import (
	"rewire/bindings/target"
	"rewire/cmd/rewire/internal/lab"
)

// labTarget is the lab host with its libvirtd's URI.
func labTarget() *target.Target { return lab.Default().Target() }
