package plan

import (
	"os"
	"path/filepath"
	"strings"

	"rewire/bindings/target"
)

// copySysctls copies the sysctls recipes touch: forwarding, globally and
// per link, and reverse-path filtering. ip_forward goes first, since
// writing it resets every link's forwarding.
func (r *Replica) copySysctls(tg *target.Target) error {
	keys := []string{"net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding", "net/ipv4/conf/all/rp_filter"}
	links, err := tg.LinkList()
	if err != nil {
		return err
	}
	for _, l := range links {
		n := l.Attrs().Name
		keys = append(keys, "net/ipv4/conf/"+n+"/forwarding", "net/ipv4/conf/"+n+"/rp_filter")
	}
	for _, k := range keys {
		v, err := readSysctl(tg, k)
		if err != nil {
			continue // a link without IPv4 (or IPv6) configuration
		}
		if cur, err := readSysctl(r.Target, k); err == nil && cur == v {
			continue
		}
		if err := writeSysctl(r.Target, k, v); err != nil {
			return err
		}
	}
	return nil
}

func readSysctl(tg *target.Target, key string) (string, error) {
	var v string
	err := tg.Do(func() error {
		b, err := os.ReadFile(filepath.Join("/proc/sys", key))
		v = strings.TrimSpace(string(b))
		return err
	})
	return v, err
}

func writeSysctl(tg *target.Target, key, v string) error {
	return tg.Do(func() error { return os.WriteFile(filepath.Join("/proc/sys", key), []byte(v), 0o644) })
}
