package dnsmasq

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"rewire/bindings/tx"
)

// Server is one dnsmasq rewire serves.
type Server struct {
	Bridge  string `json:"bridge"`
	Running bool   `json:"running"`
	PID     int    `json:"pid,omitempty"`
	Range   string `json:"range"`
	Hosts   int    `json:"hosts"`  // reservations
	Leases  int    `json:"leases"` // current leases
	Dir     string `json:"dir"`
}

// StatusColumns is the order `print(dnsmasq.status())` lays servers out in.
var StatusColumns = []string{"bridge", "running", "pid", "range", "hosts", "leases", "dir"}

// Status lists the dnsmasq instances rewire serves for the target, like
// `virsh net-list` does for libvirt's.
func Status(s *tx.Session) ([]Server, error) {
	root := stateRoot(s)
	confs, err := filepath.Glob(filepath.Join(root, "*", "serve.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(confs)
	out := []Server{}
	for _, c := range confs {
		in := instance{Dir: filepath.Dir(c)}
		var conf struct {
			Bridge string `json:"bridge"`
			Options
		}
		data, err := os.ReadFile(c)
		if err != nil || json.Unmarshal(data, &conf) != nil {
			continue
		}
		srv := Server{Bridge: conf.Bridge, Range: conf.Range[0] + "-" + conf.Range[1], Dir: in.Dir}
		srv.PID, srv.Running = in.running()
		if h, err := os.ReadFile(in.hostsFile()); err == nil {
			srv.Hosts = strings.Count(string(h), "\n")
		}
		if ls, err := ReadLeases(in.leaseFile()); err == nil {
			srv.Leases = len(ls)
		}
		out = append(out, srv)
	}
	return out, nil
}
