// Package probe asks the network whether something answers, from inside
// the target's namespace: ICMP echo (ping), a TCP connect (nc -z), an ARP
// request (arping). Probes change nothing on the host; checks and the
// lockout guard use them to decide whether a change kept the host reachable.
package probe

import (
	"fmt"
	"net"
	"time"

	"rewire/lua/engine"
)

// Defaults for a probe's options.
const (
	DefaultTimeout = time.Second
	DefaultCount   = 1
)

// Options bound how long a probe waits.
type Options struct {
	Timeout time.Duration // per attempt; 0 = DefaultTimeout
	Count   int           // attempts (ping, arp); 0 = DefaultCount
}

func (o Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return DefaultTimeout
	}
	return o.Timeout
}

func (o Options) count() int {
	if o.Count <= 0 {
		return DefaultCount
	}
	return o.Count
}

// parseIP rejects anything but an IP literal, naming it.
func parseIP(s string) (net.IP, error) {
	ip := net.ParseIP(s)
	if ip == nil {
		return nil, engine.Invalid("%q is not an IP address", s)
	}
	return ip, nil
}

// deadlineTimeval turns the time left until d into a socket timeout.
func remaining(d time.Time) (time.Duration, error) {
	left := time.Until(d)
	if left <= 0 {
		return 0, fmt.Errorf("timeout")
	}
	return left, nil
}
