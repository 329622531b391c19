// Package labpath is where the lab lives on this machine: its namespaces'
// names and bind paths and its state directory. It is all a build
// without libvirt (the front binary) needs to run a script on the lab;
// building the lab is package lab's.
package labpath

import (
	"os"
	"path/filepath"

	"rewire/bindings/host"
	"rewire/bindings/target"
)

const (
	HostNS   = "rewire-lab" // the lab host's namespace
	LANNS    = "rewire-lan" // the office LAN's namespace
	NetnsDir = "/run/netns" // where both are bound
)

// Dir is the lab's own state: $REWIRE_LAB_DIR, else /run/rewire-lab.
func Dir() string {
	if dir := os.Getenv("REWIRE_LAB_DIR"); dir != "" {
		return dir
	}
	return "/run/rewire-lab"
}

// HostPath is the bound namespace of the lab host.
func HostPath() string { return filepath.Join(NetnsDir, HostNS) }

// IsUp reports whether the lab host namespace exists.
func IsUp() bool { return target.IsNS(HostPath()) }

// HostRoots is where the lab host keeps its network managers' files
// (LAB/host/{etc,run,var/lib}), never the machine's /etc.
func HostRoots(dir string) host.Roots {
	h := filepath.Join(dir, "host")
	return host.Roots{Etc: filepath.Join(h, "etc"), Run: filepath.Join(h, "run"), Var: filepath.Join(h, "var/lib")}
}
