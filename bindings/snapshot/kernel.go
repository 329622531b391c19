package snapshot

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/target"
)

// captureRoutes is `ip route show table all` and `ip -6 route show table
// all` without table local (the kernel's, made from the addresses).
func captureRoutes(tg *target.Target) ([]Route, error) {
	names := map[int]string{}
	if links, err := tg.LinkList(); err == nil {
		for _, l := range links {
			names[l.Attrs().Index] = l.Attrs().Name
		}
	}
	rs, err := tg.RouteList(netlink.FAMILY_ALL, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil, err
	}
	out := []Route{}
	for _, r := range rs {
		if r.Table == unix.RT_TABLE_LOCAL {
			continue
		}
		fam := "inet"
		if r.Family == unix.AF_INET6 {
			fam = "inet6"
		}
		// The kernel's multicast route of every IPv6 link is left out as
		// ip leaves it out: it lives in table local.
		rt := Route{Table: tableName(r.Table), Dst: "default", Dev: names[r.LinkIndex], Metric: r.Priority,
			Protocol: protoName(int(r.Protocol)), Scope: scopeName(r.Scope), Type: typeName(r.Type), Family: fam}
		if r.Dst != nil {
			if ones, _ := r.Dst.Mask.Size(); ones != 0 || !r.Dst.IP.IsUnspecified() {
				rt.Dst = r.Dst.String()
			}
		}
		if r.Gw != nil {
			rt.Gateway = r.Gw.String()
		}
		if r.Src != nil {
			rt.Src = r.Src.String()
		}
		out = append(out, rt)
	}
	return out, nil
}

func tableName(t int) string {
	switch t {
	case unix.RT_TABLE_MAIN:
		return "main"
	case unix.RT_TABLE_DEFAULT:
		return "default"
	}
	return strconv.Itoa(t)
}

// TableID is the number of a table as Route.Table names it.
func TableID(s string) (int, error) {
	switch s {
	case "main", "":
		return unix.RT_TABLE_MAIN, nil
	case "default":
		return unix.RT_TABLE_DEFAULT, nil
	case "local":
		return unix.RT_TABLE_LOCAL, nil
	}
	return strconv.Atoi(s)
}

var protoNames = map[int]string{unix.RTPROT_KERNEL: "kernel", unix.RTPROT_BOOT: "boot", unix.RTPROT_STATIC: "static",
	unix.RTPROT_DHCP: "dhcp", unix.RTPROT_RA: "ra"}

func protoName(p int) string {
	if n, ok := protoNames[p]; ok {
		return n
	}
	return strconv.Itoa(p)
}

// ProtoID is the number of a protocol as Route.Protocol names it.
func ProtoID(s string) int {
	for k, v := range protoNames {
		if v == s {
			return k
		}
	}
	n, _ := strconv.Atoi(s)
	return n
}

var scopeNames = map[netlink.Scope]string{netlink.SCOPE_UNIVERSE: "universe", netlink.SCOPE_LINK: "link",
	netlink.SCOPE_HOST: "host", netlink.SCOPE_SITE: "site", netlink.SCOPE_NOWHERE: "nowhere"}

func scopeName(s netlink.Scope) string {
	if n, ok := scopeNames[s]; ok {
		return n
	}
	return strconv.Itoa(int(s))
}

// ScopeID is the scope as Route.Scope names it.
func ScopeID(s string) netlink.Scope {
	for k, v := range scopeNames {
		if v == s {
			return k
		}
	}
	n, _ := strconv.Atoi(s)
	return netlink.Scope(n)
}

var typeNames = map[int]string{unix.RTN_UNICAST: "unicast", unix.RTN_LOCAL: "local", unix.RTN_BROADCAST: "broadcast",
	unix.RTN_ANYCAST: "anycast", unix.RTN_MULTICAST: "multicast", unix.RTN_BLACKHOLE: "blackhole",
	unix.RTN_UNREACHABLE: "unreachable", unix.RTN_PROHIBIT: "prohibit", unix.RTN_THROW: "throw", unix.RTN_NAT: "nat"}

func typeName(t int) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return strconv.Itoa(t)
}

// TypeID is the route type as Route.Type names it.
func TypeID(s string) int {
	for k, v := range typeNames {
		if v == s {
			return k
		}
	}
	n, _ := strconv.Atoi(s)
	return n
}

// ipRule is one rule as `ip -j rule` prints it.
type ipRule struct {
	Priority int    `json:"priority"`
	Src      string `json:"src"`
	SrcLen   int    `json:"srclen"`
	Dst      string `json:"dst"`
	DstLen   int    `json:"dstlen"`
	IIf      string `json:"iif"`
	OIf      string `json:"oif"`
	FwMark   string `json:"fwmark"`
	FwMask   string `json:"fwmask"`
	Table    string `json:"table"`
}

// captureRules is `ip -j rule` and `ip -6 -j rule`.
func captureRules(tg *target.Target) ([]Rule, error) {
	out := []Rule{}
	for _, fam := range []string{"inet", "inet6"} {
		b, err := tg.Run(nil, "ip", "-j", "-f", fam, "rule", "list")
		if err != nil {
			if fam == "inet6" {
				continue // no IPv6 in this kernel
			}
			return nil, err
		}
		var rs []ipRule
		if err := json.Unmarshal(b, &rs); err != nil {
			return nil, fmt.Errorf("ip -j rule: %w", err)
		}
		for _, r := range rs {
			ru := Rule{Family: fam, Priority: r.Priority, IIf: r.IIf, OIf: r.OIf, Table: r.Table}
			if r.Src != "" && r.Src != "all" {
				ru.From = r.Src + "/" + strconv.Itoa(r.SrcLen)
			}
			if r.Dst != "" && r.Dst != "all" {
				ru.To = r.Dst + "/" + strconv.Itoa(r.DstLen)
			}
			if r.FwMark != "" {
				ru.FwMark = r.FwMark
				if r.FwMask != "" {
					ru.FwMark += "/" + r.FwMask
				}
			}
			out = append(out, ru)
		}
	}
	return out, nil
}

// IsDefaultRule says whether a rule is one every namespace starts with.
func IsDefaultRule(r Rule) bool {
	if r.From != "" || r.To != "" || r.IIf != "" || r.OIf != "" || r.FwMark != "" {
		return false
	}
	return r.Priority == 0 && r.Table == "local" || r.Priority == 32766 && r.Table == "main" ||
		r.Priority == 32767 && r.Table == "default" && r.Family == "inet"
}

// captureSysctls reads forwarding and rp_filter, globally and per link
// (ip_forward, net.ipv6.conf.all.forwarding, net.ipv4.conf.LINK.*).
func captureSysctls(tg *target.Target, s *Snapshot) {
	keys := []string{"net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "net.ipv4.conf.all.rp_filter",
		"net.ipv4.conf.default.forwarding", "net.ipv4.conf.default.rp_filter"}
	for _, l := range s.Links {
		keys = append(keys, "net.ipv4.conf."+l.Name+".forwarding", "net.ipv4.conf."+l.Name+".rp_filter",
			"net.ipv6.conf."+l.Name+".forwarding")
	}
	tg.Do(func() error {
		for _, k := range keys {
			if b, err := os.ReadFile(SysctlPath(k)); err == nil {
				s.Sysctls[k] = strings.TrimSpace(string(b))
			}
		}
		return nil
	})
}

// SysctlPath is the /proc/sys file of a dotted sysctl name; in
// net.ipv4.conf.LINK.KEY the link's name may hold dots of its own.
func SysctlPath(key string) string {
	for _, pre := range []string{"net.ipv4.conf.", "net.ipv6.conf."} {
		if rest, ok := strings.CutPrefix(key, pre); ok {
			if i := strings.LastIndexByte(rest, '.'); i > 0 {
				return filepath.Join("/proc/sys", strings.ReplaceAll(pre, ".", "/"), rest[:i], rest[i+1:])
			}
		}
	}
	return filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
}

// counters are the packet and byte counts of a chain's policy line.
var counters = regexp.MustCompile(`\[\d+:\d+\]`)

// normalizeSave drops iptables-save's comments and zeroes its counters,
// so two readings of one ruleset are equal text.
func normalizeSave(b []byte) string {
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		out = append(out, counters.ReplaceAllString(line, "[0:0]"))
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

// captureFirewall is iptables-save, ip6tables-save and, where libvirt
// keeps its rules in nftables tables of its own, `nft list table` of each.
func captureFirewall(tg *target.Target) (Firewall, error) {
	var fw Firewall
	b, err := tg.Run(nil, "iptables-save")
	if err != nil {
		return fw, err
	}
	fw.IPTables = normalizeSave(b)
	if b, err := tg.Run(nil, "ip6tables-save"); err == nil {
		fw.IP6Tables = normalizeSave(b)
	}
	if b, err := tg.Run(nil, "nft", "list", "tables"); err == nil {
		var parts []string
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line) // table FAMILY NAME
			if len(f) == 3 && f[0] == "table" && strings.HasPrefix(f[2], "libvirt") {
				if t, err := tg.Run(nil, "nft", "list", "table", f[1], f[2]); err == nil {
					parts = append(parts, string(t))
				}
			}
		}
		fw.NFT = strings.Join(parts, "")
	}
	return fw, nil
}
