package nat

import (
	"net"
	"regexp"
	"strconv"
	"strings"

	"rewire/bindings/target"
	"rewire/lua/engine"
)

// subnet parses a CIDR and returns it in iptables-save's spelling (the
// network address), with its family.
func subnet(cidr string) (string, Family, error) {
	ip, n, err := net.ParseCIDR(cidr)
	if err != nil {
		return "", "", engine.Invalid("bad subnet %q (want a CIDR such as 192.168.100.0/24)", cidr)
	}
	if ip.To4() != nil {
		return n.String(), IPv4, nil
	}
	return n.String(), IPv6, nil
}

// host parses a single address and returns it with its family.
func host(addr string) (net.IP, Family, error) {
	ip := net.ParseIP(addr)
	if ip == nil {
		return nil, "", engine.Invalid("bad address %q", addr)
	}
	if ip.To4() != nil {
		return ip.To4(), IPv4, nil
	}
	return ip, IPv6, nil
}

func checkProto(p string) error {
	if p != "tcp" && p != "udp" {
		return engine.Invalid("bad protocol %q (tcp or udp)", p)
	}
	return nil
}

// portRange is a port or an inclusive range of ports.
type portRange struct{ Lo, Hi int }

// parsePorts reads "22", "2000-2010" or "2000:2010".
func parsePorts(s string) (portRange, error) {
	bad := engine.Invalid("bad port %q (1-65535, or a range such as 2000-2010)", s)
	lo, hi, isRange := strings.Cut(strings.ReplaceAll(s, ":", "-"), "-")
	a, err := strconv.Atoi(lo)
	if err != nil {
		return portRange{}, bad
	}
	b := a
	if isRange {
		if b, err = strconv.Atoi(hi); err != nil {
			return portRange{}, bad
		}
	}
	if a < 1 || a > 65535 || b < 1 || b > 65535 || b < a {
		return portRange{}, bad
	}
	return portRange{a, b}, nil
}

func (p portRange) single() bool { return p.Lo == p.Hi }

// match is the --dport spelling (2000:2010).
func (p portRange) match() string {
	if p.single() {
		return strconv.Itoa(p.Lo)
	}
	return strconv.Itoa(p.Lo) + ":" + strconv.Itoa(p.Hi)
}

// nat is the --to-destination spelling (3000-3010).
func (p portRange) nat() string {
	if p.single() {
		return strconv.Itoa(p.Lo)
	}
	return strconv.Itoa(p.Lo) + "-" + strconv.Itoa(p.Hi)
}

// destination parses a port forward's target: "192.168.122.10:22",
// "192.168.122.10", "[fd00::10]:22" or "fd00::10".
func destination(to string) (net.IP, Family, *portRange, error) {
	addr, port := to, ""
	if strings.HasPrefix(to, "[") || strings.Count(to, ":") == 1 {
		h, p, err := net.SplitHostPort(to)
		if err != nil {
			return nil, "", nil, engine.Invalid("bad destination %q (want ADDRESS[:PORT])", to)
		}
		addr, port = h, p
	}
	ip, fam, err := host(addr)
	if err != nil {
		return nil, "", nil, engine.Invalid("bad destination %q (want ADDRESS[:PORT])", to)
	}
	if port == "" {
		return ip, fam, nil, nil
	}
	pr, err := parsePorts(port)
	if err != nil {
		return nil, "", nil, err
	}
	return ip, fam, &pr, nil
}

var tagRE = regexp.MustCompile(`^[A-Za-z0-9._:/@+-]{1,200}$`)

func checkTag(tag string) error {
	if !tagRE.MatchString(tag) {
		return engine.Invalid("bad tag %q (letters, digits and ._:/@+- only)", tag)
	}
	return nil
}

var ifaceRE = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,15}\+?$`)

// checkIface accepts an interface that exists in the target, or a
// wildcard (`vnet+`) as iptables allows.
func checkIface(tg *target.Target, name string) error {
	if !ifaceRE.MatchString(name) {
		return engine.Invalid("bad interface name %q", name)
	}
	if strings.HasSuffix(name, "+") {
		return nil
	}
	if _, err := tg.LinkByName(name); err != nil {
		return engine.NotFound("no such interface %s", name)
	}
	return nil
}
