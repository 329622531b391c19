package guard

import (
	"net"
	"strings"

	"rewire/bindings/target"
	"rewire/bindings/tx"
)

// TouchesSession reports whether a transaction's steps touch the link,
// address or route that carries one of the admin's sessions into tg, and
// says which, e.g. "your SSH session (10.0.0.50:40022 -> 10.0.0.111:22)
// runs over eth0, and this changes link:eth0".
func TouchesSession(tg *target.Target, steps []*tx.Step) (reason string, ok bool) {
	return Touched(Sessions(tg), steps)
}

// Touched is TouchesSession for sessions found earlier (before the
// change, when the route to the client still shows the path it used).
func Touched(sessions []Session, steps []*tx.Step) (reason string, ok bool) {
	for _, s := range sessions {
		for _, st := range steps {
			if st.Undone {
				continue
			}
			if touches(s, st.Obj) {
				return s.String() + ", and this changes " + st.Obj + " (" + st.Desc + ")", true
			}
		}
	}
	return "", false
}

// touches matches a step's object ("link:eth0", "addr:eth0:10.0.0.111/24",
// "bridge:br0", "route:254/default/0/2") against a session's path.
func touches(s Session, obj string) bool {
	kind, rest, _ := strings.Cut(obj, ":")
	switch kind {
	case "link", "bridge", "bond", "addr":
		dev, _, _ := strings.Cut(rest, ":")
		return dev != "" && (dev == s.Dev || dev == s.Master)
	case "route":
		return routeCovers(rest, s.Client)
	}
	return false
}

// routeCovers tells whether a route key "TABLE/DST/METRIC/FAMILY" has a
// destination that contains ip (DST itself may hold a slash).
func routeCovers(key string, ip net.IP) bool {
	f := strings.Split(key, "/")
	if len(f) < 4 {
		return false
	}
	dst := strings.Join(f[1:len(f)-2], "/")
	switch dst {
	case "", "default":
		return true
	case "0.0.0.0/0":
		return ip.To4() != nil
	case "::/0":
		return ip.To4() == nil
	}
	if _, n, err := net.ParseCIDR(dst); err == nil {
		return n.Contains(ip)
	}
	if d := net.ParseIP(dst); d != nil {
		return d.Equal(ip)
	}
	return false
}
