//go:build !cgo

package main

import (
	"os"
	"path/filepath"
	"time"

	"rewire/bindings/modules"
	"rewire/lua/engine"
	"rewire/lua/script"
)

// The front build runs `run` of a script that needs no libvirt, and the
// guardian such a run arms (its journal holds only changes this build
// knows); every other command goes to rewire-libvirt (handoff.go), as
// do help and usage, so that they list every command.
func init() {
	handsOffCommand = func(name string) bool { return name != "run" && name != "guardian" }
	handsOffScript = scriptNeedsLibvirt
}

// scriptNeedsLibvirt says which runs rewire-libvirt makes: those that
// name libvirt (--uri, a libvirt module in the script or a module it
// requires) and dry runs (a plan reads the guests the script would
// touch). The lab is fine: its host is a namespace.
func scriptNeedsLibvirt(tf targetFlags, o script.Options, dry bool) bool {
	if dry || tf.uri != "" {
		return true
	}
	if o.File == "" {
		return modules.NeedsLibvirt(o.Chunk, "")
	}
	src, err := os.ReadFile(o.File)
	if err != nil {
		return false // the run says so in one line
	}
	abs, _ := filepath.Abs(o.File)
	return modules.NeedsLibvirt(string(src), filepath.Dir(abs))
}

// dryRun is rewire-libvirt's: a dry run is handed off before it gets here.
func dryRun(targetFlags, script.Options, engine.Caps, time.Duration, bool) int { return handOff() }
