package main

import (
	"path/filepath"

	"rewire/bindings/host"
	"rewire/bindings/target"
	"rewire/cmd/rewire/internal/lab"
)

// The `host` module reads a host's network managers' files; the lab host
// keeps its managers' files under its own directory (LAB/host/{etc,run,
// var}), never the machine's /etc.
func init() { host.RootsFor = rootsFor }

// rootsFor is the real paths for this host, the lab's own for the lab.
func rootsFor(tg *target.Target) host.Roots {
	l := lab.Default()
	if tg.NetnsPath != "" && tg.NetnsPath == l.HostPath() {
		dir := filepath.Join(l.Dir, "host")
		return host.Roots{Etc: filepath.Join(dir, "etc"), Run: filepath.Join(dir, "run"), Var: filepath.Join(dir, "var/lib")}
	}
	return host.DefaultRoots()
}
