package handover

import (
	"os"
	"path/filepath"
	"strings"

	"rewire/bindings/errkind"
	"rewire/bindings/host"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

// claimIfupdown takes the interface out of ifupdown's state
// (/run/network/ifstate), so `ifdown -a`/`ifup -a` leave it alone and
// `ifquery --state` no longer lists it. The dhclients ifupdown started
// for its leases (inet dhcp: -4, inet6 dhcp: -6) are stopped without a
// release (as `dhclient -x`; their script flushes the address at STOP):
// the device's addresses and routes are put back at once as they were,
// a lease with what is left of its lifetime, and addr.move starts the
// same clients on the bridge.
func claimIfupdown(s *tx.Session, c Claimed) error {
	seen := map[string]bool{}
	for _, a := range c.Addresses {
		if a.Origin != host.OriginDHCP && a.Origin != host.OriginDHCPv6 || !strings.HasPrefix(a.Client, "dhclient") || seen[a.Client] {
			continue
		}
		seen[a.Client] = true
		d, err := findDhclient(c.Dev, a)
		if err != nil {
			return err
		}
		c.Dhclients = append(c.Dhclients, *d)
	}
	path := filepath.Join(c.Roots.IfstateDir(), "ifstate")
	b, err := os.ReadFile(path)
	if err != nil {
		return errkind.System("ifupdown: %v", err)
	}
	var keep []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if k, _, _ := strings.Cut(l, "="); k == c.Dev {
			c.Ifstate = l
			continue
		}
		keep = append(keep, l)
	}
	if c.Ifstate == "" {
		return nil
	}
	what := desc("hand %s over from ifupdown (%s: %s out)", c.Dev, path, c.Ifstate)
	if len(c.Dhclients) > 0 {
		if c.Config, err = capture(s.Target, c.Dev); err != nil {
			return err
		}
		var pfs []string
		for _, d := range c.Dhclients {
			pfs = append(pfs, "dhclient -x -pf "+d.PidFile)
		}
		what = desc("hand %s over from ifupdown (%s: %s out; its dhclients stopped without a release, as %s)", c.Dev, path, c.Ifstate, strings.Join(pfs, ", "))
	}
	tg := s.Target
	return claimKind.Apply(s, "handover:"+c.Dev, what, c, func() error {
		if err := writeFile(path, lines(keep)); err != nil {
			return err
		}
		if len(c.Dhclients) == 0 {
			return nil
		}
		for _, d := range c.Dhclients {
			if err := d.stop(c.Roots); err != nil {
				return err
			}
		}
		return restore(tg, c.Dev, c.Config)
	})
}

// ifupdownGiveBack puts the ifstate line back (if it is missing) and
// starts the device's dhclient again as ifupdown had it: its very command
// line (pid file, lease file, client id), in ifupdown's world.
func ifupdownGiveBack(tg *target.Target, c Claimed) error {
	if err := ifstateBack(c); err != nil {
		return err
	}
	for _, d := range c.Dhclients {
		if err := d.start(tg, c.Roots); err != nil {
			return err
		}
	}
	return nil
}

func ifstateBack(c Claimed) error {
	path := filepath.Join(c.Roots.IfstateDir(), "ifstate")
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	var keep []string
	for _, l := range strings.Split(string(b), "\n") {
		if k, _, _ := strings.Cut(l, "="); k == c.Dev {
			return nil
		}
		if l != "" {
			keep = append(keep, l)
		}
	}
	return writeFile(path, lines(append(keep, c.Ifstate)))
}

// lines is ifstate's text: one line each, none for an empty state.
func lines(ls []string) string {
	var b strings.Builder
	for _, l := range ls {
		if l != "" {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
