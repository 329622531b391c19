package lab

import (
	"net"
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
	if l.From != nil {
		return l.upFromLANDHCP()
	}
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

// upFromLANDHCP is the LAN's DHCP server of a lab made from a snapshot:
// one dnsmasq on every LAN bridge with a gateway, a guests' range per
// subnet (tagged with its bridge, so each gets its own router) and every
// DHCP-held address of the snapshot reserved for its MAC.
func (l *Lab) upFromLANDHCP() error {
	args := []string{"--conf-file=/dev/null", "--pid-file=" + l.lanDHCPFile("pid"),
		"--dhcp-leasefile=" + l.LANLeases(), "--log-facility=" + l.lanDHCPFile("log"),
		"--bind-interfaces", "--except-interface=lo", "--port=0", "--dhcp-authoritative", "--no-ping",
		"--user=root", "--group=root"}
	served := false
	for _, u := range l.fromPlan.uplinks {
		if len(u.Gateways) == 0 {
			continue
		}
		served = true
		args = append(args, "--interface="+u.Bridge)
		for _, gw := range u.Gateways {
			ip, n, _ := net.ParseCIDR(gw)
			mask := net.IP(n.Mask).String()
			args = append(args, "--dhcp-range=set:"+u.Bridge+","+n.IP.String()+",static,"+mask+","+NICLease)
			args = append(args, "--dhcp-option=tag:"+u.Bridge+",option:router,"+ip.String())
		}
		for _, r := range u.DHCPRange {
			args = append(args, "--dhcp-range=set:"+u.Bridge+","+r+",1h")
		}
		for _, r := range u.Reserve {
			args = append(args, "--dhcp-host="+r.MAC+","+r.IP+","+NICLease)
		}
	}
	if !served {
		return nil
	}
	lan := l.LAN()
	defer lan.Close()
	_, err := lan.Run(nil, "dnsmasq", args...)
	return err
}
