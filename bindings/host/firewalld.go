package host

import (
	"errors"

	"github.com/godbus/dbus/v5"

	"rewire/bindings/errkind"
	"rewire/bindings/target"
)

const (
	fwName  = "org.fedoraproject.FirewallD1"
	fwPath  = "/org/fedoraproject/FirewallD1"
	fwZoneI = "org.fedoraproject.FirewallD1.zone"
)

// firewalldZone is `firewall-cmd --get-zone-of-interface=DEV` ("" for none).
func firewalldZone(c *dbus.Conn, dev string) (string, error) {
	var zone string
	err := call(c, fwName, fwPath, fwZoneI+".getZoneOfInterface", []any{&zone}, dev)
	return zone, err
}

// firewalldVersion is `firewall-cmd --version`.
func firewalldVersion(c *dbus.Conn) string {
	var v dbus.Variant
	if err := call(c, fwName, fwPath, "org.freedesktop.DBus.Properties.Get", []any{&v}, fwName, "version"); err != nil {
		return ""
	}
	return str(v)
}

// FirewalldRuns reports whether firewalld runs in tg's network namespace
// (a process named firewalld, as `ip netns pids` finds it): only then is
// its bus asked anything.
func FirewalldRuns(tg *target.Target) bool {
	_, ok := FirewalldProcess(tg)
	return ok
}

// FirewalldProcess is the pid of the firewalld running in tg's network
// namespace.
func FirewalldProcess(tg *target.Target) (int, bool) {
	p, ok := named(processes(tg), "firewalld")
	return p.PID, ok
}

// FirewalldState is what firewalld reports of itself and its zones:
// `firewall-cmd --version`, `--get-default-zone`, `--get-active-zones`
// and firewalld.conf's FirewallBackend.
type FirewalldState struct {
	Running     bool                `json:"running"`
	Version     string              `json:"version,omitempty"`
	Backend     string              `json:"backend,omitempty"` // nftables or iptables
	DefaultZone string              `json:"default_zone,omitempty"`
	Zones       []string            `json:"zones,omitempty"`  // every zone it knows at runtime
	Active      map[string][]string `json:"active,omitempty"` // zone → its interfaces
}

// FirewalldOf reads firewalld's state over its bus; a firewalld that does
// not run is Running false and no error, one that runs but cannot be
// asked is a system error naming it.
func FirewalldOf(tg *target.Target, r Roots) (FirewalldState, error) {
	if !FirewalldRuns(tg) {
		return FirewalldState{}, nil
	}
	st := FirewalldState{Running: true, Active: map[string][]string{}}
	fail := func(err error) (FirewalldState, error) {
		return FirewalldState{}, errkind.System("firewalld runs but its D-Bus is unreachable (%s): %s", r.bus(), oneLine(err.Error()))
	}
	c, err := dialBus(r.bus())
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	st.Version = firewalldVersion(c)
	if st.Version == "" {
		return fail(errors.New("no version property"))
	}
	var backend dbus.Variant
	if err := call(c, fwName, fwPath+"/config", "org.freedesktop.DBus.Properties.Get", []any{&backend}, fwName+".config", "FirewallBackend"); err == nil {
		st.Backend = str(backend)
	}
	if err := call(c, fwName, fwPath, fwName+".getDefaultZone", []any{&st.DefaultZone}); err != nil {
		return fail(err)
	}
	if err := call(c, fwName, fwPath, fwZoneI+".getZones", []any{&st.Zones}); err != nil {
		return fail(err)
	}
	var active map[string]map[string][]string
	if err := call(c, fwName, fwPath, fwZoneI+".getActiveZones", []any{&active}); err != nil {
		return fail(err)
	}
	for z, v := range active {
		st.Active[z] = append([]string{}, v["interfaces"]...)
	}
	return st, nil
}
