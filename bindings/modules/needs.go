package modules

import (
	"regexp"

	"rewire/lua/engine"
)

// LibvirtNames are the modules that need libvirt: a build without cgo
// (the front binary, the static VM test binaries) lacks them.
var LibvirtNames = []string{"domain", "network"}

var (
	libvirtWord = regexp.MustCompile(`\b(domain|network)\b`)
	anyRequire  = regexp.MustCompile(`\brequire\b`)
	litRequire  = regexp.MustCompile(`\brequire\s*\(?\s*["']([A-Za-z0-9_.]+)["']`)
)

// NeedsLibvirt reports whether a script whose source is src, run from
// dir ("" for a chunk), may reach a libvirt module: it names one
// anywhere (code, string or comment), or a module it requires does, or
// it requires a module by a name rewire cannot read in the source. It
// errs on the side of yes: a yes costs a script the few milliseconds
// libvirt takes to load, a wrong no would cost it the module.
func NeedsLibvirt(src, dir string) bool {
	return needsLibvirt(src, dir, map[string]bool{})
}

func needsLibvirt(src, dir string, seen map[string]bool) bool {
	if libvirtWord.MatchString(src) {
		return true
	}
	lits := litRequire.FindAllStringSubmatch(src, -1)
	if len(anyRequire.FindAllStringIndex(src, -1)) > len(lits) {
		return true // require(name) with a computed name
	}
	for _, m := range lits {
		name := m[1]
		if seen[name] || isBinding(name) {
			continue
		}
		seen[name] = true
		mod, _, err := engine.ModuleSource(dir, name)
		if err != nil {
			continue // the run fails on it either way, in one line
		}
		if needsLibvirt(mod, dir, seen) {
			return true
		}
	}
	return false
}

func isBinding(name string) bool {
	for _, e := range List {
		if e.Name == name {
			return true
		}
	}
	return false
}
