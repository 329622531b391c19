package main

import (
	"flag"
	"fmt"
	"os"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/cmd/rewire/internal/labpath"
)

// targetFlags are the flags that say which host a command works on.
type targetFlags struct {
	lab      bool
	uri      string
	stateDir string
	json     bool
}

func (t *targetFlags) add(fs *flag.FlagSet) {
	fs.BoolVar(&t.lab, "lab", false, "work on the throw-away lab host (rewire lab up) instead of this host")
	fs.StringVar(&t.uri, "uri", "", "libvirt URI (default: $LIBVIRT_DEFAULT_URI, else qemu:///system; the lab's own with --lab)")
	fs.StringVar(&t.stateDir, "state-dir", "", "journal and lock directory (default $REWIRE_STATE_DIR or "+tx.DefaultDir+")")
	fs.BoolVar(&t.json, "json", false, "print data as JSON")
}

// open resolves the target host and the state store.
func (t *targetFlags) open() (*target.Target, *tx.Store, error) {
	st, err := tx.OpenStore(t.stateDir)
	if err != nil {
		return nil, nil, err
	}
	if t.lab {
		if !labpath.IsUp() {
			return nil, nil, fmt.Errorf("the lab is not up: run `rewire lab up` first")
		}
		tg := labTarget()
		if t.uri != "" {
			tg.LibvirtURI = t.uri
		}
		return tg, st, nil
	}
	tg := target.Host()
	tg.LibvirtURI = t.uri
	if tg.LibvirtURI == "" {
		tg.LibvirtURI = os.Getenv("LIBVIRT_DEFAULT_URI")
	}
	return tg, st, nil
}
