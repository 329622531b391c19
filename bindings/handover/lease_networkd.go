package handover

import (
	"os"
	"strconv"
	"strings"

	"rewire/bindings/errkind"
)

// networkdBridgeNetwork is the NIC's .network for the bridge: [Match]
// Name=BR, the NIC's [Link] and Bridge= dropped, and the NIC's IAIDs in
// [DHCPv4] (from its lease's client id) and [DHCPv6] (from its link
// state) so the client identity stays: the server renews the same
// addresses.
func networkdBridgeNetwork(c Claimed, to string) (string, error) {
	b, err := os.ReadFile(c.Roots.Under(c.File))
	if err != nil {
		return "", errkind.System("systemd-networkd: %s's .network: %v", c.Dev, err)
	}
	iaid := ""
	for _, a := range Dynamic(c) {
		if a.Lease != "" {
			iaid = leaseIAID(c.Roots.Under(a.Lease))
		}
	}
	iaid6 := ""
	if c.DHCPv6 != nil {
		iaid6 = strconv.FormatUint(uint64(c.DHCPv6.IAID), 10)
	}
	var out []string
	out = append(out, "# rewire: "+c.Dev+"'s DHCP client, moved to "+to+" with its lease", "[Match]", "Name="+to, "")
	section, dhcp4, dhcp6 := "", false, false
	for _, line := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "[") {
			section = t
			if section == "[DHCPv4]" {
				dhcp4 = true
				out = append(out, line)
				if iaid != "" {
					out = append(out, "IAID="+iaid)
				}
				continue
			}
			if section == "[DHCPv6]" {
				dhcp6 = true
				out = append(out, line)
				if iaid6 != "" {
					out = append(out, "IAID="+iaid6)
				}
				continue
			}
		}
		if section == "[Match]" || section == "[Link]" || strings.HasPrefix(t, "Bridge=") || strings.HasPrefix(t, "IAID=") {
			continue
		}
		out = append(out, line)
	}
	if !dhcp4 && iaid != "" {
		out = append(out, "[DHCPv4]", "IAID="+iaid)
	}
	if !dhcp6 && iaid6 != "" {
		out = append(out, "[DHCPv6]", "IAID="+iaid6)
	}
	return strings.Join(out, "\n") + "\n", nil
}

// leaseIAID reads the IAID of an RFC 4361 client id (type 255: IAID, then
// DUID) from networkd's lease file (CLIENTID=ff...); "" for another kind.
func leaseIAID(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "CLIENTID="); ok && len(v) >= 10 && strings.HasPrefix(v, "ff") {
			n, err := strconv.ParseUint(v[2:10], 16, 32)
			if err == nil {
				return strconv.FormatUint(n, 10)
			}
		}
	}
	return ""
}
