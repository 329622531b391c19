package route

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// View is a route as an admin reads it (`ip route` words, not numbers);
// Lua and print get this, the journal keeps the exact Spec.
type View struct {
	Dst     string `json:"dst"`
	Gateway string `json:"gateway,omitempty"`
	Dev     string `json:"dev,omitempty"`
	Table   string `json:"table"`
	Metric  int    `json:"metric,omitempty"`
	Proto   string `json:"proto"`
	Scope   string `json:"scope"`
	Src     string `json:"src,omitempty"`
}

var (
	tableNames = map[int]string{unix.RT_TABLE_MAIN: "main", unix.RT_TABLE_LOCAL: "local", unix.RT_TABLE_DEFAULT: "default"}
	protoNames = map[int]string{unix.RTPROT_KERNEL: "kernel", unix.RTPROT_BOOT: "boot", unix.RTPROT_STATIC: "static",
		unix.RTPROT_RA: "ra", unix.RTPROT_DHCP: "dhcp", 0: "unspec"}
	scopeNames = map[int]string{unix.RT_SCOPE_UNIVERSE: "global", unix.RT_SCOPE_LINK: "link", unix.RT_SCOPE_HOST: "host",
		unix.RT_SCOPE_SITE: "site", unix.RT_SCOPE_NOWHERE: "nowhere"}
)

func name(m map[int]string, v int) string {
	if n, ok := m[v]; ok {
		return n
	}
	return strconv.Itoa(v)
}

// View names a Spec's numbers as iproute2 does.
func (s Spec) View() View {
	return View{Dst: s.Dst, Gateway: s.Gateway, Dev: s.Dev, Table: name(tableNames, s.Table), Metric: s.Metric,
		Proto: name(protoNames, s.Proto), Scope: name(scopeNames, s.Scope), Src: s.Src}
}

// Views converts a list for display.
func Views(rs []Spec) []View {
	out := make([]View, len(rs))
	for i, r := range rs {
		out[i] = r.View()
	}
	return out
}
