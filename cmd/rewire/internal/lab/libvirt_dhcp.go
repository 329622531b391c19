package lab

import (
	"os"
	"path/filepath"
	"strings"
)

// LAN DHCP: what the office network's DHCP server would be, so that a
// guest re-pointed from NAT to a bridge on the lab NIC gets a 10.0.0.x address.
const (
	LANDHCPFirst = "10.0.0.100"
	LANDHCPLast  = "10.0.0.200"
)

func (l *Lab) lanDHCPFile(ext string) string { return filepath.Join(l.Dir, "lan-dhcp."+ext) }

// LANLeases is the LAN DHCP server's lease file (dnsmasq format:
// expiry MAC IP hostname client-id per line).
func (l *Lab) LANLeases() string { return l.lanDHCPFile("leases") }

func upLANDHCP(l *Lab) error {
	lan := l.LAN()
	defer lan.Close()
	_, err := lan.Run(nil, "dnsmasq",
		"--conf-file=/dev/null",
		"--pid-file="+l.lanDHCPFile("pid"),
		"--dhcp-leasefile="+l.LANLeases(),
		"--log-facility="+l.lanDHCPFile("log"),
		"--bind-interfaces", "--interface="+LANBr, "--except-interface=lo",
		"--port=0", // DHCP only: no DNS server
		"--dhcp-range="+LANDHCPFirst+","+LANDHCPLast+",1h",
		"--dhcp-option=option:router,"+Gateway,
		// eth0's own address is reserved for its MAC (a manager flavour
		// with --dhcp leases it; a bridge taking eth0's MAC keeps it), in
		// short leases so renewals are seen; no guest is offered it.
		"--dhcp-host="+NICMAC+","+strings.TrimSuffix(HostIP, "/24")+","+NICLease,
		"--dhcp-authoritative", "--no-ping",
		"--user=root", "--group=root")
	return err
}

func downLANDHCP(l *Lab) error {
	killPidFile(l.lanDHCPFile("pid"), "dnsmasq")
	return nil
}

func statusLANDHCP(l *Lab) map[string]any {
	st := map[string]any{"lan_dhcp_leases": l.LANLeases()}
	if b, err := os.ReadFile(l.LANLeases()); err == nil {
		n := 0
		for _, line := range strings.Split(string(b), "\n") {
			if strings.TrimSpace(line) != "" {
				n++
			}
		}
		st["lan_dhcp_lease_count"] = n
	}
	return st
}
