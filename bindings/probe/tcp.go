package probe

import (
	"net"
	"strconv"

	"rewire/bindings/target"
	"rewire/lua/engine"
)

// TCP reports whether a TCP connection to hostport ("10.0.0.1:22",
// "[fe80::1%br0]:22") opens from inside tg's namespace within o.Timeout,
// and closes it at once — `nc -z -w TIMEOUT HOST PORT`.
func TCP(tg *target.Target, hostport string, o Options) (bool, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return false, engine.Invalid("%q is not host:port", hostport)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return false, engine.Invalid("%q: port must be 1-65535", hostport)
	}
	if net.ParseIP(stripZone(host)) == nil {
		return false, engine.Invalid("%q: host must be an IP address", hostport)
	}
	var conn net.Conn
	d := net.Dialer{Timeout: o.timeout()}
	// The socket is made on Do's thread, hence in the target's namespace.
	if derr := tg.Do(func() error {
		conn, err = d.Dial("tcp", hostport)
		return nil
	}); derr != nil {
		return false, derr
	}
	if err != nil {
		return false, nil
	}
	conn.Close()
	return true, nil
}

func stripZone(host string) string {
	for i := 0; i < len(host); i++ {
		if host[i] == '%' {
			return host[:i]
		}
	}
	return host
}
