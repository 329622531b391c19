package dnsmasq

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"

	"rewire/bindings/errkind"
	"rewire/bindings/firewalld"
	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

var serveKind = tx.NewKind("dnsmasq.serve", func(tg *target.Target, v served) error {
	in := instance{Dir: v.Dir}
	if err := in.stop(); err != nil {
		return err
	}
	return os.RemoveAll(v.Dir)
}, tx.KindOptions[served]{Drift: func(tg *target.Target, v served) error {
	if _, ok := (instance{Dir: v.Dir}).running(); !ok {
		return fmt.Errorf("dnsmasq for %s is no longer running", v.Bridge)
	}
	return nil
}})

// Host is a static reservation: the client with MAC always gets IP.
type Host struct {
	MAC  string `json:"mac"`
	IP   string `json:"ip"`
	Name string `json:"name,omitempty"`
}

// Options says how to serve DHCP on a bridge.
type Options struct {
	Range     [2]string `json:"range"`                // first and last address handed out
	Router    string    `json:"router,omitempty"`     // default gateway for clients (dnsmasq's own address when empty)
	DNS       []string  `json:"dns,omitempty"`        // DNS servers for clients
	LeaseTime string    `json:"lease_time,omitempty"` // seconds, or 45m, 1h, 2d, infinite
	DNSServer bool      `json:"dns_server,omitempty"` // also answer DNS on the bridge (default: DHCP only)
	Hosts     []Host    `json:"hosts,omitempty"`      // reservations written to the hosts file at start
}

var leaseTimeRE = regexp.MustCompile(`^([0-9]+[smhdw]?|infinite)$`)

// Validate checks the options before anything is touched.
func (o *Options) Validate() error {
	a, b := net.ParseIP(o.Range[0]), net.ParseIP(o.Range[1])
	if a == nil || b == nil || (a.To4() == nil) != (b.To4() == nil) {
		return engine.Invalid("bad range %q-%q (want two addresses of one family)", o.Range[0], o.Range[1])
	}
	for _, ip := range append([]string{o.Router}, o.DNS...) {
		if ip != "" && net.ParseIP(ip) == nil {
			return engine.Invalid("bad address %q", ip)
		}
	}
	if o.LeaseTime != "" && !leaseTimeRE.MatchString(o.LeaseTime) {
		return engine.Invalid("bad lease_time %q (seconds, or 45m, 1h, 2d, infinite)", o.LeaseTime)
	}
	for _, h := range o.Hosts {
		if err := h.validate(); err != nil {
			return err
		}
	}
	return nil
}

// args is dnsmasq's command line for one bridge: no config file, DHCP on
// the bridge alone, its files under the instance directory.
func (o *Options) args(bridge string, in instance) []string {
	args := []string{"--conf-file=/dev/null"}
	for _, l := range o.lines(bridge, fileSet{Pid: in.pidFile(), Lease: in.leaseFile(), Hosts: in.hostsFile(), Log: in.logFile()}) {
		args = append(args, "--"+l)
	}
	return args
}

// fileSet is where one dnsmasq keeps its files; Log "" is syslog.
type fileSet struct{ Pid, Lease, Hosts, Log string }

// lines are dnsmasq's options for one bridge, as a config file spells
// them (the command line puts -- before each).
func (o *Options) lines(bridge string, fs fileSet) []string {
	rng := o.Range[0] + "," + o.Range[1]
	if o.LeaseTime != "" {
		rng += "," + o.LeaseTime
	}
	out := []string{
		"pid-file=" + fs.Pid,
		"dhcp-leasefile=" + fs.Lease,
		"dhcp-hostsfile=" + fs.Hosts,
	}
	if fs.Log != "" {
		out = append(out, "log-facility="+fs.Log)
	}
	out = append(out,
		"bind-interfaces",
		"interface="+bridge,
		"except-interface=lo",
		"dhcp-range="+rng,
		"dhcp-authoritative",
		"dhcp-no-override",
		"no-ping", // dnsmasq otherwise waits 3 s probing each offered address
		"no-resolv",
		"no-hosts",
		"user=root", // the files live in rewire's root-only state directory
		"group=root",
	)
	if !o.DNSServer {
		out = append(out, "port=0")
	}
	if o.Router != "" {
		out = append(out, "dhcp-option=3,"+o.Router)
	}
	if len(o.DNS) > 0 {
		out = append(out, "dhcp-option=6,"+strings.Join(o.DNS, ","))
	}
	return out
}

// served is the journal's record of a started dnsmasq.
type served struct {
	Bridge string `json:"bridge"`
	Dir    string `json:"dir"`
}

// Serve runs dnsmasq for a bridge — what libvirt starts for a network:
// `dnsmasq --conf-file=/dev/null --bind-interfaces --interface=BRIDGE
// --dhcp-range=A,B ...` in the target's namespace. It survives rewire
// exiting; rollback stops it and removes its files. Where firewalld runs,
// the bridge then goes into a zone that admits DHCP (and DNS when served),
// as libvirt does (bindings/firewalld; runtime, its own journaled step).
func Serve(s *tx.Session, bridge string, o Options) error {
	if err := checkBridge(bridge); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if _, err := s.Target.LinkByName(bridge); err != nil {
		return engine.NotFound("no such interface %s", bridge)
	}
	in := instance{Dir: stateRootDir(s, bridge)}
	if pid, ok := in.running(); ok {
		return errkind.Exists("dnsmasq already serves %s (pid %d)", bridge, pid)
	}
	if _, err := os.Stat(in.Dir); err == nil {
		return fmt.Errorf("stale dnsmasq state for %s in %s (left by a crash? `rewire recover` removes it)", bridge, in.Dir)
	}
	// firewalld (when it runs) is asked before anything starts: an
	// unreachable one fails the serve with nothing changed.
	fw, err := firewalld.Prepare(s, bridge, o.services()...)
	if err != nil {
		return err
	}
	err = serveKind.Apply(s, "dnsmasq:"+bridge, fmt.Sprintf("serve DHCP %s-%s on %s", o.Range[0], o.Range[1], bridge), served{Bridge: bridge, Dir: in.Dir}, func() error {
		if err := os.MkdirAll(in.Dir, 0o700); err != nil {
			return err
		}
		conf, _ := json.MarshalIndent(struct {
			Bridge string `json:"bridge"`
			Options
		}{bridge, o}, "", "  ")
		if err := os.WriteFile(in.confFile(), conf, 0o600); err != nil {
			return err
		}
		if err := os.WriteFile(in.hostsFile(), []byte(formatHosts(o.Hosts)), 0o600); err != nil {
			return err
		}
		return in.start(s.Target, o.args(bridge, in))
	})
	if err != nil {
		return err
	}
	return fw.Apply(s)
}

// services are what firewalld must let through to the bridge: DHCP (of
// the range's family) and DNS when served.
func (o *Options) services() []string {
	out := []string{firewalld.DHCP}
	if ip := net.ParseIP(o.Range[0]); ip != nil && ip.To4() == nil {
		out[0] = firewalld.DHCPv6
	}
	if o.DNSServer {
		out = append(out, firewalld.DNS)
	}
	return out
}

func stateRootDir(s *tx.Session, bridge string) string {
	return stateRoot(s) + "/" + bridge
}
