package plan

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"rewire/bindings/bridge"
	"rewire/bindings/target"
)

// netState is what a replica must reproduce and a plan must leave alone:
// each link (type, MAC, MTU, up, master, bridge STP and forward delay),
// `ip -o addr`, `ip route show table all` (IPv6 link-local left out), forwarding sysctls and the
// iptables rules. Ifindexes are left out: a copy numbers its links anew.
func netState(t *testing.T, tg *target.Target) string {
	t.Helper()
	var b strings.Builder
	links, err := tg.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	names := map[int]string{}
	for _, l := range links {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	var rows []string
	for _, l := range links {
		a := l.Attrs()
		typ := l.Type()
		if typ == "veth" || typ == "device" || typ == "tuntap" {
			typ = "nic" // the replica's stand-in for anything leading off the host
		}
		row := fmt.Sprintf("link %s %s mac=%s mtu=%d up=%v master=%s", a.Name, typ, a.HardwareAddr, a.MTU, a.Flags&1 != 0, names[a.MasterIndex])
		if typ == "bridge" {
			info, err := bridge.Get(tg, a.Name)
			if err != nil {
				t.Fatal(err)
			}
			row += fmt.Sprintf(" stp=%v fd=%d", info.Attrs.STP, info.Attrs.ForwardDelay)
		}
		rows = append(rows, row)
	}
	sort.Strings(rows)
	b.WriteString(strings.Join(rows, "\n") + "\n")
	for _, args := range [][]string{{"-o", "addr"}, {"route", "show", "table", "all"}, {"-6", "route", "show", "table", "all"}} {
		out, err := tg.Run(nil, "ip", args...)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(indexRe.ReplaceAllString(string(out), ""), "\n") {
			// IPv6 link-local addresses and routes come when the kernel
			// sees carrier, on its own time.
			if l != "" && !strings.Contains(l, "fe80:") && !strings.Contains(l, "ff00::/8") {
				b.WriteString(l + "\n")
			}
		}
	}
	for _, k := range []string{"net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding", "net/ipv4/conf/all/rp_filter"} {
		v, err := readSysctl(tg, k)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(k + "=" + v + "\n")
	}
	b.WriteString(rules(tg))
	return b.String()
}

var indexRe = regexp.MustCompile(`(?m)^\d+: `)
