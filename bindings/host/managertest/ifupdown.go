package managertest

import (
	"strings"
	"testing"
)

// Ifupdown writes interfaces (the stanzas, as in /etc/network/interfaces)
// to the sandbox's etc/network/interfaces.d/test and runs `ifup -i
// /etc/network/interfaces --state-dir=/run/network IFACE` for each iface
// inside the sandbox; a dhcp stanza leaves dhclient running there (ended
// with the test). It returns ifup's output.
func Ifupdown(t testing.TB, sb *Sandbox, interfaces string, ifaces ...string) string {
	t.Helper()
	Need(t, "ifup", "dhclient", "unshare")
	sb.WriteFile("etc/network/interfaces.d/test", interfaces, 0o644)
	var out strings.Builder
	for _, i := range ifaces {
		out.WriteString(sb.Exec("ifup", "-i", "/etc/network/interfaces", "--state-dir=/run/network", i))
	}
	return out.String()
}
