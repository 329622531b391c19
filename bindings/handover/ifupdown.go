package handover

import (
	"os"
	"path/filepath"
	"strings"

	"rewire/bindings/errkind"
	"rewire/bindings/tx"
)

// claimIfupdown takes the interface out of ifupdown's state
// (/run/network/ifstate), so `ifdown -a`/`ifup -a` leave it alone and
// `ifquery --state` no longer lists it. A dhclient holding its lease is
// not stopped here: moving that client is not done yet, so such a device
// is refused (nothing changed).
func claimIfupdown(s *tx.Session, c Claimed) error {
	for _, a := range c.Addresses {
		if strings.HasPrefix(a.Client, "dhclient") {
			return errkind.Invalid("%s: ifupdown's %s holds its lease %s; rewire cannot take it over yet (stop it with `ifdown %s` first)", c.Dev, a.Client, a.CIDR, c.Dev)
		}
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
	return claimKind.Apply(s, "handover:"+c.Dev, desc("hand %s over from ifupdown (%s: %s out)", c.Dev, path, c.Ifstate), c, func() error {
		return writeFile(path, lines(keep))
	})
}

// ifupdownGiveBack puts the ifstate line back (if it is missing).
func ifupdownGiveBack(c Claimed) error {
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
