package host

import (
	"github.com/godbus/dbus/v5"

	"rewire/bindings/errkind"
	"rewire/bindings/target"
)

// snapshot is one reading of the host: processes, the managers' state
// and configuration. The bus is dialled only when a daemon that lives on
// it runs in the target's namespace.
type snapshot struct {
	tg      *target.Target
	roots   Roots
	procs   []proc
	bus     *dbus.Conn
	nm      *nmView // nil: NetworkManager does not run
	nmErr   error   // it runs, but its bus is unreachable
	fw      bool    // firewalld runs
	fwErr   error
	ifstate map[string]string
	stanzas map[string][]stanza
	ifcfg   map[string]ifcfg
}

// read takes the snapshot; with dev set, NetworkManager is asked about
// that device only (readNMDevice), else about everything at once.
func read(tg *target.Target, r Roots, dev string) *snapshot {
	s := &snapshot{tg: tg, roots: r, procs: processes(tg)}
	_, nm := named(s.procs, "NetworkManager")
	_, s.fw = named(s.procs, "firewalld")
	if nm || s.fw {
		c, err := dialBus(r.bus())
		if err != nil {
			s.nmErr, s.fwErr = err, err
		} else {
			s.bus = c
		}
	}
	if nm && s.bus != nil {
		var v nmView
		var err error
		if dev != "" {
			v, err = readNMDevice(s.bus, dev)
		} else {
			v, err = readNM(s.bus)
		}
		if err != nil {
			s.nmErr = err
		} else {
			s.nm = &v
		}
	}
	if !nm {
		s.nmErr = nil
	}
	if !s.fw {
		s.fwErr = nil
	}
	s.ifstate = ifupState(r)
	s.stanzas = ifupStanzas(r)
	s.ifcfg = ifcfgFiles(r)
	return s
}

func (s *snapshot) close() {
	if s.bus != nil {
		s.bus.Close()
	}
}

// unreachable is the one-line error for a manager that runs but whose
// bus cannot be reached, naming the device asked about ("" for all).
func (s *snapshot) unreachable(manager, dev string, err error) error {
	what := "devices"
	if dev != "" {
		what = dev
	}
	return errkind.System("%s runs but its D-Bus is unreachable (%s), so who manages %s is unknown: %s",
		manager, s.roots.bus(), what, oneLine(err.Error()))
}
