package main

import (
	"rewire/bindings/host"
	"rewire/bindings/target"
	"rewire/cmd/rewire/internal/labpath"
)

// The `host` module reads a host's network managers' files; the lab host
// keeps its managers' files under its own directory (LAB/host/{etc,run,
// var}), never the machine's /etc.
func init() { host.RootsFor = rootsFor }

// rootsFor is the real paths for this host, the lab's own for the lab.
func rootsFor(tg *target.Target) host.Roots {
	if tg.NetnsPath != "" && tg.NetnsPath == labpath.HostPath() {
		return labpath.HostRoots(labpath.Dir())
	}
	return host.DefaultRoots()
}
