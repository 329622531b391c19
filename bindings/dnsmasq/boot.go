package dnsmasq

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"rewire/bindings/tx"
)

// Served reads a step that started a dnsmasq (Serve): the bridge and the
// instance's directory. ok is false for any other step.
func Served(st *tx.Step) (bridge, dir string, ok bool) {
	v, ok := serveKind.Decode(st)
	return v.Bridge, v.Dir, ok
}

// BootFiles is where a dnsmasq started at boot keeps its files.
type BootFiles struct {
	Pid, Lease, Hosts string
}

// Live reads what the dnsmasq serving a bridge from dir runs with: its
// options and its hosts file as they are now (reservations added since
// Serve included). It fails when that dnsmasq no longer runs.
func Live(bridge, dir string) (Options, string, error) {
	in := instance{Dir: dir}
	if _, ok := in.running(); !ok {
		return Options{}, "", fmt.Errorf("dnsmasq for %s is not running", bridge)
	}
	b, err := os.ReadFile(in.confFile())
	if err != nil {
		return Options{}, "", err
	}
	var v struct {
		Bridge string `json:"bridge"`
		Options
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return Options{}, "", fmt.Errorf("%s: %w", in.confFile(), err)
	}
	hosts, err := os.ReadFile(in.hostsFile())
	if err != nil {
		return Options{}, "", err
	}
	return v.Options, string(hosts), nil
}

// BootConf is the config file (dnsmasq --conf-file) that makes a dnsmasq
// serve bridge as Serve does, its files where fs says: the same options
// as Serve's command line, log to syslog.
func BootConf(bridge string, o Options, fs BootFiles) string {
	var b strings.Builder
	b.WriteString("# Written by rewire (persist): the DHCP server rewire serves on " + bridge + " (dnsmasq.serve), at boot.\n")
	for _, l := range o.lines(bridge, fileSet{Pid: fs.Pid, Lease: fs.Lease, Hosts: fs.Hosts}) {
		b.WriteString(l + "\n")
	}
	return b.String()
}
