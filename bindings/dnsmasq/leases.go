package dnsmasq

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"rewire/lua/engine"
)

// Lease is one DHCP lease, from whichever file it came.
type Lease struct {
	MAC      string `json:"mac,omitempty"`
	IP       string `json:"ip"`
	Hostname string `json:"hostname,omitempty"`
	ClientID string `json:"client_id,omitempty"`
	IAID     string `json:"iaid,omitempty"`   // DHCPv6 leases name an IAID, not a MAC
	Expiry   int64  `json:"expiry"`           // Unix seconds; 0 = never
	Domain   string `json:"domain,omitempty"` // the libvirt domain owning the MAC (from <bridge>.macs)
	Bridge   string `json:"bridge,omitempty"`
	File     string `json:"file"`
}

// Columns is the order `print(dnsmasq.list_leases())` lays leases out in.
var Columns = []string{"bridge", "mac", "ip", "hostname", "domain", "expiry", "client_id"}

// ReadLeases parses a dnsmasq lease file (`expiry MAC IP hostname|*
// clientid|*` a line) or a libvirt status file (JSON); a malformed line is
// an error naming the file and the line.
func ReadLeases(path string) ([]Lease, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, engine.NotFound("no lease file %s", path)
		}
		return nil, err
	}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' || strings.HasSuffix(path, ".status") {
		return parseStatus(path, data)
	}
	return parseLeaseFile(path, data)
}

func parseLeaseFile(path string, data []byte) ([]Lease, error) {
	var out []Lease
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "duid ") {
			continue // the server's DHCPv6 DUID
		}
		f := strings.Fields(line)
		bad := func(why string) error {
			return engine.Invalid("%s line %d: %s (want `expiry MAC IP hostname|* clientid|*`): %q", path, n, why, line)
		}
		if len(f) != 5 {
			return nil, bad(fmt.Sprintf("%d fields", len(f)))
		}
		exp, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || exp < 0 {
			return nil, bad("bad expiry")
		}
		ip := net.ParseIP(f[2])
		if ip == nil {
			return nil, bad("bad IP address")
		}
		l := Lease{Expiry: exp, IP: ip.String(), Hostname: star(f[3]), ClientID: star(f[4]), File: path}
		if mac, err := net.ParseMAC(f[1]); err == nil && ip.To4() != nil {
			l.MAC = mac.String()
		} else if ip.To4() == nil && isDigits(f[1]) {
			l.IAID = f[1]
		} else {
			return nil, bad("bad MAC address")
		}
		out = append(out, l)
	}
	return out, sc.Err()
}

func star(s string) string {
	if s == "*" {
		return ""
	}
	return s
}

func isDigits(s string) bool {
	_, err := strconv.ParseUint(s, 10, 32)
	return err == nil
}

// statusEntry is one lease in libvirt's <bridge>.status.
type statusEntry struct {
	IP       *string `json:"ip-address"`
	MAC      string  `json:"mac-address"`
	Hostname string  `json:"hostname"`
	ClientID string  `json:"client-id"`
	IAID     string  `json:"iaid"`
	Expiry   *int64  `json:"expiry-time"`
}

func parseStatus(path string, data []byte) ([]Lease, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil // libvirt writes an empty file before the first lease
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, engine.Invalid("%s: not a libvirt lease status file: %v", path, err)
	}
	var out []Lease
	for i, raw := range entries {
		var e statusEntry
		if err := json.Unmarshal(raw, &e); err != nil || e.IP == nil || net.ParseIP(*e.IP) == nil || e.Expiry == nil {
			return nil, engine.Invalid("%s lease %d: want ip-address, mac-address and expiry-time: %s", path, i+1, raw)
		}
		l := Lease{IP: net.ParseIP(*e.IP).String(), Hostname: e.Hostname, ClientID: e.ClientID, IAID: e.IAID, Expiry: *e.Expiry, File: path}
		if e.MAC != "" {
			mac, err := net.ParseMAC(e.MAC)
			if err != nil {
				return nil, engine.Invalid("%s lease %d: bad mac-address %q", path, i+1, e.MAC)
			}
			l.MAC = mac.String()
		}
		out = append(out, l)
	}
	return out, nil
}

// readMacs reads libvirt's <bridge>.macs: which domain owns which MAC.
func readMacs(path string) map[string]string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var entries []struct {
		Domain string   `json:"domain"`
		MACs   []string `json:"macs"`
	}
	if json.Unmarshal(data, &entries) != nil {
		return nil
	}
	owner := map[string]string{}
	for _, e := range entries {
		for _, m := range e.MACs {
			if mac, err := net.ParseMAC(m); err == nil {
				owner[mac.String()] = e.Domain
			}
		}
	}
	return owner
}

// Leases returns the leases of one bridge or file: a path (with a '/') is
// read as it is; a bridge name is looked up among the dnsmasq instances
// rewire serves under root, then in libvirt's status files. "" reads all.
func Leases(root, which string) ([]Lease, error) {
	if strings.Contains(which, "/") {
		return ReadLeases(which)
	}
	if which != "" {
		if err := checkBridge(which); err != nil {
			return nil, err
		}
		ls, err := bridgeLeases(root, which)
		if err == nil && ls == nil {
			return nil, engine.NotFound("no DHCP leases known for %s (neither served by rewire nor a libvirt network)", which)
		}
		return ls, err
	}
	bridges := map[string]bool{}
	for _, pat := range []string{filepath.Join(root, "*", "leases"), filepath.Join(LibvirtDir, "*.status")} {
		files, _ := filepath.Glob(pat)
		for _, f := range files {
			if strings.HasSuffix(f, ".status") {
				bridges[strings.TrimSuffix(filepath.Base(f), ".status")] = true
			} else {
				bridges[filepath.Base(filepath.Dir(f))] = true
			}
		}
	}
	names := make([]string, 0, len(bridges))
	for b := range bridges {
		names = append(names, b)
	}
	sort.Strings(names)
	all := []Lease{}
	for _, b := range names {
		ls, err := bridgeLeases(root, b)
		if err != nil {
			return nil, err
		}
		all = append(all, ls...)
	}
	return all, nil
}

// bridgeLeases returns nil (no error) when no file for the bridge exists.
func bridgeLeases(root, bridge string) ([]Lease, error) {
	var out []Lease
	found := false
	for _, f := range []string{filepath.Join(root, bridge, "leases"), filepath.Join(LibvirtDir, bridge+".status")} {
		if _, err := os.Stat(f); err != nil {
			continue
		}
		found = true
		ls, err := ReadLeases(f)
		if err != nil {
			return nil, err
		}
		owners := readMacs(filepath.Join(LibvirtDir, bridge+".macs"))
		for i := range ls {
			ls[i].Bridge = bridge
			ls[i].Domain = owners[ls[i].MAC]
		}
		out = append(out, ls...)
	}
	if found && out == nil {
		out = []Lease{}
	}
	return out, nil
}

// Find returns the lease whose MAC, IP or hostname is key (MACs compare
// case-insensitively), or false.
func Find(leases []Lease, key string) (Lease, bool) {
	if mac, err := net.ParseMAC(key); err == nil {
		key = mac.String()
	} else if ip := net.ParseIP(key); ip != nil {
		key = ip.String()
	}
	for _, l := range leases {
		if l.MAC == key || l.IP == key || (l.Hostname != "" && l.Hostname == key) {
			return l, true
		}
	}
	return Lease{}, false
}
