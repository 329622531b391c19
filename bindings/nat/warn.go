package nat

import (
	"os"
	"strings"

	"rewire/bindings/firewalld"
	"rewire/bindings/target"
	"rewire/lua/engine"
)

func invalid(format string, a ...any) error { return engine.Invalid(format, a...) }

// Warnings names host settings that can defeat NAT rules: a firewalld
// that flushes every iptables table when it reloads (see
// firewalld.ReloadWarning), a FORWARD policy of DROP (Docker sets it)
// drops what no ACCEPT lets through, and, for a bridge's rules,
// bridge-nf-call-iptables=1 sends traffic bridged between VMs through
// FORWARD as well.
func Warnings(tg *target.Target, f Family, bridged bool) []string {
	rs, _ := load(tg, f)
	return warnings(tg, rs, f, bridged)
}

// warnings is Warnings on a ruleset already read (nil: unknown).
func warnings(tg *target.Target, rs *ruleset, f Family, bridged bool) []string {
	var w []string
	if fw := firewalld.ReloadWarning(tg); fw != "" {
		w = append(w, fw)
	}
	if rs != nil {
		if t := rs.Tables["filter"]; t != nil && t.Policies["FORWARD"] == "DROP" {
			w = append(w, string(f)+" FORWARD policy is DROP (as Docker sets it): forwarded traffic no rule accepts is dropped")
		}
	}
	if !bridged {
		return w
	}
	key := "bridge-nf-call-iptables"
	if f == IPv6 {
		key = "bridge-nf-call-ip6tables"
	}
	var v []byte
	tg.Do(func() error {
		v, _ = os.ReadFile("/proc/sys/net/bridge/" + key)
		return nil
	})
	if strings.TrimSpace(string(v)) == "1" {
		w = append(w, "net.bridge."+key+"=1: traffic bridged between VMs also passes the FORWARD chain")
	}
	return w
}
