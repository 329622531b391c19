package host

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// netplanGenerated says whether a manager's file was written by `netplan
// generate` (/run/systemd/network/10-netplan-*, /run/NetworkManager/
// system-connections/netplan-*).
func netplanGenerated(file string) bool {
	b := filepath.Base(file)
	return strings.HasPrefix(b, "10-netplan-") || strings.HasPrefix(b, "netplan-")
}

// netplanYAML lists netplan's configuration files (/etc/netplan/*.yaml),
// the ones `netplan get` reads.
func netplanYAML(r Roots) []string {
	m, _ := filepath.Glob(filepath.Join(r.Etc, "netplan/*.yaml"))
	return m
}

// netplanSource finds the YAML file that defines the device: a mapping
// key "NAME:" under a device type (ethernets:, bridges:, ...). It reads
// the keys by indentation only; netplan itself validates the files.
func netplanSource(r Roots, name string) string {
	for _, p := range netplanYAML(r) {
		if yamlHasDevice(p, name) {
			return filepath.Join("/etc/netplan", filepath.Base(p))
		}
	}
	return ""
}

var netplanTypes = map[string]bool{"ethernets": true, "bridges": true, "bonds": true, "vlans": true,
	"wifis": true, "tunnels": true, "vrfs": true, "modems": true, "nm-devices": true, "dummy-devices": true, "virtual-ethernets": true}

func yamlHasDevice(path, name string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	typeIndent := -1
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		key, _, ok := strings.Cut(trimmed, ":")
		if !ok {
			continue
		}
		key = strings.Trim(key, `"'`)
		switch {
		case netplanTypes[key]:
			typeIndent = indent
		case typeIndent >= 0 && indent <= typeIndent:
			typeIndent = -1
		case typeIndent >= 0 && key == name:
			return true
		}
	}
	return false
}
