package host

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// ifupState reads ifupdown's state (`ifquery --state`): the interfaces
// ifup brought up, by name (ifstate lines "eth0=eth0", iface=logical).
func ifupState(r Roots) map[string]string {
	f, err := os.Open(filepath.Join(r.ifstateDir(), "ifstate"))
	if err != nil {
		return nil
	}
	defer f.Close()
	up := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		if k, v, ok := strings.Cut(strings.TrimSpace(s.Text()), "="); ok && k != "" {
			up[k] = v
		}
	}
	return up
}

// stanza is an `iface` stanza of /etc/network/interfaces(.d).
type stanza struct {
	Line string // "iface eth0 inet dhcp"
	File string // where it stands, as ifupdown names it
	DHCP bool
}

// ifupStanzas reads /etc/network/interfaces and the files it sources
// (`ifquery --list` and `ifquery IFACE`): every iface stanza by name.
func ifupStanzas(r Roots) map[string][]stanza {
	out := map[string][]stanza{}
	seen := map[string]bool{}
	var read func(name string, depth int)
	read = func(name string, depth int) {
		if depth > 8 || seen[name] {
			return
		}
		seen[name] = true
		f, err := os.Open(r.under(name))
		if err != nil {
			return
		}
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			fields := strings.Fields(s.Text())
			if len(fields) < 2 || strings.HasPrefix(fields[0], "#") {
				continue
			}
			switch fields[0] {
			case "iface":
				st := stanza{Line: strings.Join(fields, " "), File: name}
				st.DHCP = len(fields) >= 4 && (fields[3] == "dhcp" || fields[3] == "auto")
				out[fields[1]] = append(out[fields[1]], st)
			case "source", "source-directory":
				pat := fields[1]
				if !filepath.IsAbs(pat) {
					pat = filepath.Join("/etc/network", pat)
				}
				if fields[0] == "source-directory" {
					pat = filepath.Join(pat, "*")
				}
				matches, _ := filepath.Glob(r.under(pat))
				for _, m := range matches {
					if rel, err := filepath.Rel(r.Etc, m); err == nil && !strings.HasPrefix(rel, "..") {
						read(filepath.Join("/etc", rel), depth+1)
					}
				}
			}
		}
	}
	read("/etc/network/interfaces", 0)
	return out
}
