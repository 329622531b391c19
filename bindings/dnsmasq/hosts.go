package dnsmasq

import (
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

var hostsKind = tx.NewKind("dnsmasq.hosts", func(tg *target.Target, e hostsEdit) error {
	in := instance{Dir: e.Dir}
	if _, err := os.Stat(in.Dir); os.IsNotExist(err) {
		return nil // the instance is gone, and its hosts file with it
	}
	if err := writeAtomic(in.hostsFile(), e.Before); err != nil {
		return err
	}
	return in.reload()
}, tx.KindOptions[hostsEdit]{Drift: func(tg *target.Target, e hostsEdit) error {
	now, err := os.ReadFile(instance{Dir: e.Dir}.hostsFile())
	if err != nil || string(now) != e.After {
		return fmt.Errorf("hosts file of %s changed since", e.Bridge)
	}
	return nil
}})

var hostnameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,62})$`)

func (h *Host) validate() error {
	mac, err := net.ParseMAC(h.MAC)
	if err != nil || len(mac) != 6 {
		return engine.Invalid("bad MAC address %q", h.MAC)
	}
	h.MAC = mac.String()
	ip := net.ParseIP(h.IP)
	if ip == nil || ip.To4() == nil {
		return engine.Invalid("bad IPv4 address %q", h.IP)
	}
	h.IP = ip.String()
	if h.Name != "" && !hostnameRE.MatchString(h.Name) {
		return engine.Invalid("bad host name %q", h.Name)
	}
	return nil
}

// line is the reservation in dhcp-hostsfile syntax: MAC,IP[,NAME].
func (h Host) line() string {
	if h.Name == "" {
		return h.MAC + "," + h.IP
	}
	return h.MAC + "," + h.IP + "," + h.Name
}

func formatHosts(hosts []Host) string {
	var b strings.Builder
	for _, h := range hosts {
		b.WriteString(h.line() + "\n")
	}
	return b.String()
}

// hostsEdit is the hosts file before and after a change, kept whole so
// undo restores it byte for byte.
type hostsEdit struct {
	Bridge string `json:"bridge"`
	Dir    string `json:"dir"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// writeAtomic replaces a file whole, so dnsmasq never reads half of it.
func writeAtomic(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// served returns the instance rewire runs for a bridge, or an error.
func servedInstance(s *tx.Session, bridge string) (instance, error) {
	if err := checkBridge(bridge); err != nil {
		return instance{}, err
	}
	in := instance{Dir: stateRootDir(s, bridge)}
	if _, err := os.Stat(in.hostsFile()); err != nil {
		return instance{}, engine.NotFound("rewire serves no DHCP on %s (dnsmasq.serve first)", bridge)
	}
	return in, nil
}

// editHosts rewrites the hosts file through fn as one change and SIGHUPs dnsmasq.
func editHosts(s *tx.Session, bridge, desc string, fn func(lines []string) ([]string, error)) error {
	in, err := servedInstance(s, bridge)
	if err != nil {
		return err
	}
	before, err := os.ReadFile(in.hostsFile())
	if err != nil {
		return err
	}
	var lines []string
	for _, l := range strings.Split(string(before), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	lines, err = fn(lines)
	if err != nil {
		return err
	}
	after := ""
	for _, l := range lines {
		after += l + "\n"
	}
	if after == string(before) {
		return nil
	}
	return hostsKind.Apply(s, "dnsmasq-hosts:"+bridge, desc, hostsEdit{Bridge: bridge, Dir: in.Dir, Before: string(before), After: after}, func() error {
		if err := writeAtomic(in.hostsFile(), after); err != nil {
			return err
		}
		return in.reload()
	})
}

// matches reports whether a hosts-file line is for key (a MAC, IP or name).
func matches(line, key string) bool {
	if mac, err := net.ParseMAC(key); err == nil {
		key = mac.String()
	}
	for _, f := range strings.Split(line, ",") {
		if strings.EqualFold(f, key) {
			return true
		}
	}
	return false
}

// Reserve gives the client with MAC the address IP on a bridge rewire
// serves (a dhcp-host line, like `virsh net-update default add ip-dhcp-host
// "<host mac=... ip=.../>"`); it replaces an earlier reservation of the
// MAC or of the IP.
func Reserve(s *tx.Session, bridge string, h Host) error {
	if err := h.validate(); err != nil {
		return err
	}
	return editHosts(s, bridge, fmt.Sprintf("reserve %s for %s on %s", h.IP, h.MAC, bridge), func(lines []string) ([]string, error) {
		var out []string
		for _, l := range lines {
			if !matches(l, h.MAC) && !matches(l, h.IP) {
				out = append(out, l)
			}
		}
		return append(out, h.line()), nil
	})
}

// Unreserve drops the reservation of a MAC, IP or host name
// (`virsh net-update default delete ip-dhcp-host ...`).
func Unreserve(s *tx.Session, bridge, key string) error {
	return editHosts(s, bridge, fmt.Sprintf("unreserve %s on %s", key, bridge), func(lines []string) ([]string, error) {
		var out []string
		for _, l := range lines {
			if !matches(l, key) {
				out = append(out, l)
			}
		}
		if len(out) == len(lines) {
			return nil, engine.NotFound("no reservation for %s on %s", key, bridge)
		}
		return out, nil
	})
}
