package host

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ndLink is networkd's state file of one link
// (/run/systemd/netif/links/IFINDEX), as `networkctl status` reads it.
type ndLink struct {
	Admin, Oper string
	NetworkFile string
	Lease       string // DHCP_LEASE: the DHCPv4 lease file, if any
	Found       bool
}

// readNetworkd reads networkd's state of ifindex.
func readNetworkd(r Roots, ifindex int) ndLink {
	kv := envFile(filepath.Join(r.Run, "systemd/netif/links", strconv.Itoa(ifindex)))
	if kv == nil {
		return ndLink{}
	}
	return ndLink{Admin: kv["ADMIN_STATE"], Oper: kv["OPER_STATE"], NetworkFile: kv["NETWORK_FILE"], Lease: kv["DHCP_LEASE"], Found: true}
}

// owns says whether networkd manages the link (not unmanaged, not
// still pending, not gone).
func (l ndLink) owns() bool {
	switch l.Admin {
	case "", "unmanaged", "pending", "linger":
		return false
	}
	return true
}

func (l ndLink) state() string { return l.Admin + "/" + l.Oper }

// envFile reads KEY=VALUE lines (# comments); nil if unreadable.
func envFile(path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	kv := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			kv[k] = strings.Trim(v, `"'`)
		}
	}
	return kv
}
