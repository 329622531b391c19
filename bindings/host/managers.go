package host

import (
	"os/exec"
	"strings"
	"sync"

	"rewire/bindings/target"
)

// Managers is what runs on the host and what each manages: `nmcli
// general` + `networkctl list` + `ifquery --state` + netplan's and
// network-scripts' files, in that order.
func Managers(tg *target.Target, r Roots) ([]Manager, error) {
	s := read(tg, r, "")
	defer s.close()
	devs, err := s.devices()
	if err != nil {
		return nil, err
	}
	by := map[string][]string{}
	for _, d := range devs {
		by[d.Manager] = append(by[d.Manager], d.Name)
		if d.Frontend != "" {
			by[d.Frontend] = append(by[d.Frontend], d.Name)
		}
	}
	_, nmRuns := named(s.procs, "NetworkManager")
	_, ndRuns := named(s.procs, "systemd-network")
	out := []Manager{
		{Name: NetworkManager, Running: nmRuns},
		{Name: Networkd, Running: ndRuns},
		{Name: Ifupdown, Running: len(s.ifstate) > 0},
		{Name: Netplan, Running: len(netplanYAML(r)) > 0},
		{Name: NetworkScripts, Running: len(s.ifcfg) > 0},
		{Name: Firewalld, Running: s.fw},
	}
	for i := range out {
		m := &out[i]
		m.Devices = by[m.Name]
		if m.Devices == nil {
			m.Devices = []string{}
		}
		switch m.Name {
		case NetworkManager:
			if s.nm != nil {
				m.Version = s.nm.Version
			}
		case Networkd:
			if m.Running {
				m.Version = version("/lib/systemd/systemd-networkd", "--version")
			}
		case Ifupdown:
			m.Version = version("ifup", "--version")
		case Netplan:
		case Firewalld:
			if s.bus != nil {
				m.Version = firewalldVersion(s.bus)
			}
		}
	}
	return out, nil
}

var versions sync.Map

// version is the last word of the first line of `prog args` ("systemd
// 252 (252.38-1~deb12u1)" → 252.38-1~deb12u1, "ifup version 0.8.41" →
// 0.8.41), asked once per process; "" if the program is missing.
func version(prog string, args ...string) string {
	key := prog + " " + strings.Join(args, " ")
	if v, ok := versions.Load(key); ok {
		return v.(string)
	}
	out, _ := exec.Command(prog, args...).Output()
	line, _, _ := strings.Cut(string(out), "\n")
	f := strings.Fields(line)
	v := ""
	if len(f) > 0 {
		v = strings.Trim(f[len(f)-1], "()")
	}
	versions.Store(key, v)
	return v
}
