package main

import (
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version and commit are set at build time by the package build
// (go build -ldflags "-X main.version=0.3.0 -X main.commit=abc123");
// without them the commit comes from the VCS stamp Go puts in the binary.
var (
	version = "dev"
	commit  = ""
)

func init() {
	register(command{name: "version", summary: "print rewire's version, commit, Go and libvirt versions (also rewire --version)", run: runVersion})
}

// buildVersion is what `rewire --version` prints.
type buildVersion struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Time    string `json:"commit_time,omitempty"`
	Dirty   bool   `json:"dirty,omitempty"` // built from a work tree with uncommitted changes
	Go      string `json:"go"`
	Libvirt string `json:"libvirt,omitempty"` // the libvirt library rewire runs against
}

func currentVersion() buildVersion {
	v := buildVersion{Version: version, Commit: commit, Go: runtime.Version(), Libvirt: libvirtVersion()}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if v.Commit == "" {
					v.Commit = s.Value
				}
			case "vcs.time":
				v.Time = s.Value
			case "vcs.modified":
				v.Dirty = s.Value == "true"
			}
		}
	}
	return v
}

func (v buildVersion) String() string {
	s := "rewire " + v.Version
	if v.Commit != "" {
		c := v.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		s += " (commit " + c
		if v.Dirty {
			s += ", modified"
		}
		s += ")"
	}
	s += ", " + v.Go
	if v.Libvirt != "" {
		s += ", libvirt " + v.Libvirt
	}
	return s
}

func runVersion(args []string) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the versions as JSON")
	if _, err := parseArgs(fs, args, 0); err != nil {
		return 2
	}
	if *asJSON {
		return encode(currentVersion())
	}
	fmt.Println(currentVersion())
	return 0
}
