package firewalld

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"rewire/bindings/host"
	"rewire/bindings/target"
)

// Whether firewalld flushes other programs' iptables rules when it starts,
// reloads (`firewall-cmd --reload`) or stops. Its flush runs over every
// backend it has, and the iptables one is `iptables -t T -F; -X; -Z` for
// every table (filter, nat, mangle, raw, security), whatever firewalld's
// own backend: with FirewallBackend=nftables the iptables backend is still
// there for direct rules, and with iptables-nft (Debian's and RHEL's
// iptables) those tables are the nftables tables ip filter, ip nat, ...
// where rewire's REWIRE-* chains live (firewalld issue 863). Upstream
// firewalld skips that flush from 2.0.0 on ("feat(direct): avoid iptables
// flush if using nftables backend": only with the nftables backend and no
// direct rules); RHEL 9.3's firewalld 1.2.5 carries the same change as a
// backport, upstream's 1.2.5–1.3.x do not — Debian 12's 1.3.3 flushes
// them. A version number alone cannot tell a backport, so below 2.0.0 the
// daemon's own code is read for the function that change added; one that
// has it still flushes while it holds direct rules. With the iptables
// backend firewalld flushes them in every version.

// fixedIn is the first upstream version that leaves iptables alone with
// the nftables backend.
var fixedIn = [3]int{2, 0, 0}

// backportMarker is the function the change added to firewalld's
// firewall/core/fw.py.
const backportMarker = "may_skip_flush_direct_backends"

// ReloadWarning is one line when firewalld, as it runs in tg's namespace,
// would flush rewire's iptables rules on its next reload or restart; ""
// when it would not, or does not run.
func ReloadWarning(tg *target.Target) string {
	ask := askOf(tg)
	pid, ok := host.FirewalldProcess(ask)
	if !ok {
		return ""
	}
	st, err := host.FirewalldOf(ask, host.RootsFor(ask))
	if err != nil {
		return fmt.Sprintf("firewalld runs, but whether its reload flushes rewire's iptables rules is unknown: %v", err)
	}
	direct := func() bool { return hasDirect(host.RootsFor(ask).BusAddr()) }
	if !flushesIptables(st.Version, st.Backend, func() bool { return patched(pid) }, direct) {
		return ""
	}
	backend := st.Backend
	if backend == "" {
		backend = "unknown"
	}
	return fmt.Sprintf("firewalld %s (%s backend) flushes every iptables table when it reloads or restarts (firewall-cmd --reload): rewire's NAT rules go with them (persisted ones come back with rewire restore)", st.Version, backend)
}

// flushesIptables decides from firewalld's version and backend, reading
// its code (patched) only when the version cannot tell; a firewalld that
// skips the flush still makes it while it holds direct rules.
func flushesIptables(version, backend string, patched, direct func() bool) bool {
	if backend == "iptables" {
		return true
	}
	v, ok := parseVersion(version)
	if (ok && !less(v, fixedIn)) || patched() {
		return direct()
	}
	return true
}

// hasDirect reports whether firewalld holds direct rules, chains or
// passthroughs (`firewall-cmd --direct --get-all-rules` and the like);
// unknown counts as yes.
func hasDirect(bus string) bool {
	c, err := dial(bus)
	if err != nil {
		return true
	}
	defer c.close()
	const direct = busName + ".direct"
	var rules []struct {
		IPV, Table, Chain string
		Priority          int32
		Args              []string
	}
	var chains []struct{ IPV, Table, Chain string }
	var passthroughs []struct {
		IPV  string
		Args []string
	}
	if c.call(direct+".getAllRules", []any{&rules}) != nil ||
		c.call(direct+".getAllChains", []any{&chains}) != nil ||
		c.call(direct+".getAllPassthroughs", []any{&passthroughs}) != nil {
		return true
	}
	return len(rules)+len(chains)+len(passthroughs) > 0
}

// patched reports whether the firewalld process pid runs code that skips
// the iptables flush (the backport), read through its root.
func patched(pid int) bool {
	root := "/proc/" + strconv.Itoa(pid) + "/root"
	files, _ := filepath.Glob(root + "/usr/lib*/python3*/*-packages/firewall/core/fw.py")
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), backportMarker) {
			return true
		}
	}
	return false
}

// parseVersion reads "1.3.3" (a suffix such as "-1.el9" or "~rc1" ends it).
func parseVersion(s string) ([3]int, bool) {
	var v [3]int
	s, _, _ = strings.Cut(s, "-")
	s, _, _ = strings.Cut(s, "~")
	parts := strings.Split(s, ".")
	if len(parts) == 0 || parts[0] == "" {
		return v, false
	}
	for i := 0; i < len(parts) && i < 3; i++ {
		n, err := strconv.Atoi(parts[i])
		if err != nil {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

func less(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
