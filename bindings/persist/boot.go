package persist

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"rewire/bindings/dnsmasq"
	"rewire/bindings/nat"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

// The state a transaction leaves outside the network managers — rewire's
// NAT chains, the dnsmasq it serves, libvirt networks — is kept for boot
// by rewire itself, in files of its own:
//
//   - ETC/rewire/nat.rules and nat6.rules: rewire's REWIRE-* chains, their
//     jumps and rules in iptables-save format, put back at boot by
//     `rewire restore` (iptables-restore --noflush: rewire's chains only,
//     an identical set left alone), run by rewire-restore.service;
//   - ETC/rewire/dnsmasq/BRIDGE.conf and BRIDGE.hosts: what
//     dnsmasq.serve ran with, started at boot by
//     rewire-dnsmasq@BRIDGE.service;
//   - a libvirt network the transaction defined or started is marked
//     autostart (virtnet.SetAutostart, journaled), unless the recipe set
//     autostart itself.
//
// The units are written and enabled by persist itself — the unit file in
// ETC/systemd/system and the symlink `systemctl enable` would make in
// multi-user.target.wants — not by an install step: they are needed
// exactly when there is state to restore, their files are then journaled
// with the rest (listed by a plan, removed by a rollback), and persist
// works on a root that is not the running system's (no systemctl, no
// daemon-reload: systemd reads them at the next boot).
//
// The host's own firewall persistence (iptables-persistent's
// /etc/iptables/rules.v4, iptables-services' /etc/sysconfig/iptables,
// firewalld) is detected and flagged in the unit, not written to: those
// files are the admin's whole firewall, which rewire never rewrites, and
// their restore flushes every table, so rewire-restore.service is ordered
// after them and puts rewire's chains back on top (a rules.v4 saved with
// rewire's chains in it makes the restore a no-op, not a duplicate).

const (
	natFile4    = "rewire/nat.rules"
	natFile6    = "rewire/nat6.rules"
	unitDir     = "systemd/system"
	wantsDir    = "systemd/system/multi-user.target.wants"
	restoreUnit = RestoreUnit
	dnsmasqUnit = "rewire-dnsmasq@.service"
	dnsmasqDir  = "rewire/dnsmasq"
	FlavourNAT  = "nat"
	FlavourUnit = "systemd"
	FlavourDHCP = "dnsmasq"
	FlavourVirt = "libvirt"
	dnsmasqPath = "/usr/sbin/dnsmasq"
	natHeader   = "# Written by rewire (persist): rewire's NAT chains (REWIRE-*), their jumps and rules,\n# put back at boot by `rewire restore` (rewire-restore.service) with iptables-restore --noflush.\n"
)

// RestoreUnit is the unit that runs `rewire restore` at boot.
const RestoreUnit = "rewire-restore.service"

// RestoreBinary is where rewire-restore.service runs rewire from.
var RestoreBinary = "/usr/local/bin/rewire"

// natLive is rewire's part of iptables-save and ip6tables-save (nat.Boot).
type natLive struct{ V4, V6 string }

// renderNAT is the two rules files and the unit that restores them; a
// family with no chain of rewire's gets a file only to empty an earlier
// one. Nothing at all when rewire has no chain and never wrote a file.
func renderNAT(w *world, live natLive) []File {
	var out []File
	for _, f := range []struct{ path, body string }{{natFile4, live.V4}, {natFile6, live.V6}} {
		p := filepath.Join(w.Etc, f.path)
		if _, ok := w.Read(p); f.body == "" && !ok {
			continue
		}
		out = append(out, File{Path: p, Content: natHeader + f.body, Mode: 0o644, Flavour: FlavourNAT})
	}
	if len(out) == 0 {
		return nil
	}
	return append(out, enable(w, restoreUnit, restoreUnit, renderRestoreUnit(w))...)
}

// enable is a unit file and the symlink `systemctl enable` makes for it
// (WantedBy=multi-user.target); name is the unit (an instance of a
// template file).
func enable(w *world, file, name, content string) []File {
	return []File{
		{Path: filepath.Join(w.Etc, unitDir, file), Content: content, Mode: 0o644, Flavour: FlavourUnit},
		{Path: filepath.Join(w.Etc, wantsDir, name), Link: "../" + file, Flavour: FlavourUnit},
	}
}

// hostFirewall names the host's own firewall persistence found under etc.
func hostFirewall(w *world) []string {
	var out []string
	for _, c := range []struct{ file, what string }{
		{"iptables/rules.v4", "iptables-persistent (netfilter-persistent) restores /etc/iptables/rules.v4"},
		{"iptables/rules.v6", "iptables-persistent (netfilter-persistent) restores /etc/iptables/rules.v6"},
		{"sysconfig/iptables", "iptables-services restores /etc/sysconfig/iptables"},
		{"sysconfig/ip6tables", "iptables-services restores /etc/sysconfig/ip6tables"},
		{"firewalld/firewalld.conf", "firewalld runs its zones (with its iptables backend it flushes every table when it starts and at each reload: run `rewire restore` after `firewall-cmd --reload`)"},
	} {
		if _, ok := w.Read(filepath.Join(w.Etc, c.file)); ok {
			out = append(out, c.what)
		}
	}
	return out
}

func renderRestoreUnit(w *world) string {
	var b strings.Builder
	b.WriteString("# Written by rewire (persist): at boot, before the network is set up, put back\n")
	b.WriteString("# rewire's NAT chains (REWIRE-*) from /etc/" + natFile4 + " and " + filepath.Base(natFile6) + ",\n")
	b.WriteString("# with iptables-restore --noflush: rewire's chains only; an identical set is left alone.\n")
	if fw := hostFirewall(w); len(fw) > 0 {
		b.WriteString("# This host keeps its own firewall too; it is not touched, and this unit runs after it:\n")
		for _, l := range fw {
			b.WriteString("#   " + l + "\n")
		}
	}
	exec := RestoreBinary + " restore"
	if w.Etc != "/etc" && filepath.Base(w.Etc) == "etc" {
		exec += " --root " + filepath.Dir(w.Etc)
	}
	if w.Netns != "" {
		// A host bound at a namespace path (the lab's): its rules go
		// there, whichever namespace the unit is started in.
		exec += " --netns " + w.Netns
	}
	b.WriteString(`[Unit]
Description=Restore rewire's NAT chains and rules
DefaultDependencies=no
Wants=network-pre.target
After=local-fs.target systemd-modules-load.service netfilter-persistent.service iptables.service ip6tables.service firewalld.service
Before=network-pre.target shutdown.target
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=` + exec + `

[Install]
WantedBy=multi-user.target
`)
	return b.String()
}

// Restored is what Restore did with one rules file.
type Restored struct {
	Family  string `json:"family"`
	Path    string `json:"path"`
	Changed bool   `json:"changed"` // false: rewire's chains already said so (or no file)
}

// Restore is `rewire restore`: it puts back the NAT chains persist kept
// under etc (ETC/rewire/nat.rules and nat6.rules) inside the target, with
// nat.Restore — rewire's chains only, nothing run when they already match.
// A missing file is skipped.
func Restore(tg *target.Target, etc string) ([]Restored, error) {
	var out []Restored
	for _, f := range []struct {
		fam  nat.Family
		path string
	}{{nat.IPv4, natFile4}, {nat.IPv6, natFile6}} {
		p := filepath.Join(etc, f.path)
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return out, err
		}
		ch, err := nat.Restore(tg, f.fam, string(b))
		if err != nil {
			return out, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, Restored{Family: string(f.fam), Path: p, Changed: ch})
	}
	return out, nil
}

// touchedNAT says whether the transaction changed rules (nat.*).
func touchedNAT(sts []*tx.Step) bool {
	for _, st := range sts {
		if strings.HasPrefix(st.Kind, "nat.") {
			return true
		}
	}
	return false
}

// bootFiles renders the files of the state outside the managers that the
// transaction touched.
func bootFiles(tg *target.Target, w *world, sts []*tx.Step) ([]File, error) {
	var out []File
	if touchedNAT(sts) {
		var live natLive
		var err error
		if live.V4, err = nat.Boot(tg, nat.IPv4); err != nil {
			return nil, err
		}
		if live.V6, err = nat.Boot(tg, nat.IPv6); err != nil {
			return nil, err
		}
		out = append(out, renderNAT(w, live)...)
	}
	served, err := servedLive(sts)
	if err != nil {
		return nil, err
	}
	return append(out, renderDnsmasq(w, served)...), nil
}

// served is a dnsmasq the transaction started and that still runs.
type served struct {
	Bridge string
	Opts   dnsmasq.Options
	Hosts  string // its hosts file as it is
}

func servedLive(sts []*tx.Step) ([]served, error) {
	var out []served
	for _, st := range sts {
		br, dir, ok := dnsmasq.Served(st)
		if !ok {
			continue
		}
		o, hosts, err := dnsmasq.Live(br, dir)
		if err != nil {
			return nil, err
		}
		out = append(out, served{Bridge: br, Opts: o, Hosts: hosts})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Bridge < out[j].Bridge })
	return out, nil
}

// dnsmasqFiles is where the boot-time dnsmasq of a bridge keeps its files.
func dnsmasqFiles(w *world, bridge string) dnsmasq.BootFiles {
	return dnsmasq.BootFiles{
		Pid:   filepath.Join(w.Run, "rewire", "dnsmasq-"+bridge, "pid"),
		Lease: filepath.Join(w.Var, "rewire", "dnsmasq", bridge+".leases"),
		Hosts: filepath.Join(w.Etc, dnsmasqDir, bridge+".hosts"),
	}
}

// renderDnsmasq is each bridge's config and hosts file, the template
// unit, and the symlink enabling each bridge's instance.
func renderDnsmasq(w *world, all []served) []File {
	if len(all) == 0 {
		return nil
	}
	var out []File
	for _, s := range all {
		fs := dnsmasqFiles(w, s.Bridge)
		out = append(out,
			File{Path: filepath.Join(w.Etc, dnsmasqDir, s.Bridge+".conf"), Content: dnsmasq.BootConf(s.Bridge, s.Opts, fs), Mode: 0o644, Device: s.Bridge, Flavour: FlavourDHCP},
			File{Path: fs.Hosts, Content: s.Hosts, Mode: 0o644, Device: s.Bridge, Flavour: FlavourDHCP})
	}
	unit := renderDnsmasqUnit(w)
	out = append(out, File{Path: filepath.Join(w.Etc, unitDir, dnsmasqUnit), Content: unit, Mode: 0o644, Flavour: FlavourUnit})
	for _, s := range all {
		inst := "rewire-dnsmasq@" + unitEscape(s.Bridge) + ".service"
		out = append(out, File{Path: filepath.Join(w.Etc, wantsDir, inst), Link: "../" + dnsmasqUnit, Device: s.Bridge, Flavour: FlavourUnit})
	}
	return out
}

// renderDnsmasqUnit is the template unit: rewire-dnsmasq@BRIDGE.service
// runs dnsmasq in the foreground with BRIDGE's config file.
func renderDnsmasqUnit(w *world) string {
	return `# Written by rewire (persist): the DHCP server rewire serves on a bridge (dnsmasq.serve),
# at boot: rewire-dnsmasq@BRIDGE.service reads ` + filepath.Join(w.Etc, dnsmasqDir) + `/BRIDGE.conf.
[Unit]
Description=rewire's DHCP server (dnsmasq) on %I
BindsTo=sys-subsystem-net-devices-%i.device
After=sys-subsystem-net-devices-%i.device network.target

[Service]
Type=simple
RuntimeDirectory=rewire/dnsmasq-%I
StateDirectory=rewire/dnsmasq
ExecStart=` + dnsmasqPath + ` --keep-in-foreground --conf-file=` + filepath.Join(w.Etc, dnsmasqDir) + `/%I.conf
Restart=on-failure

[Install]
WantedBy=multi-user.target
`
}

// unitEscape is `systemd-escape NAME` for an interface name.
func unitEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == ':', c == '.' && i > 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, `\x%02x`, c)
		}
	}
	return b.String()
}
