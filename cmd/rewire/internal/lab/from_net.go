package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/host/sandbox"
	"rewire/bindings/snapshot"
	"rewire/bindings/target"
)

func writeProc(key, v string) error {
	return os.WriteFile(filepath.Join("/proc/sys", key), []byte(v), 0o644)
}

// finishFrom runs once the LAN's DHCP server and libvirt are up: the DHCP
// clients lease their addresses, then the routes, rules, firewall and
// sysctls go in (libvirt's networks made their bridges and rules by now;
// the snapshot's firewall replaces what libvirt wrote, as it was read).
func (l *Lab) finishFrom(p *fromPlan) error {
	if err := l.fromManager(p); err != nil {
		return err
	}
	tg := l.Target()
	defer tg.Close()
	if err := l.fromRoutes(tg, p); err != nil {
		return err
	}
	if err := fromRules(tg, l.From.Rules); err != nil {
		return err
	}
	if err := l.fromFirewall(tg); err != nil {
		return err
	}
	return l.fromSysctls(tg)
}

// fromManager has the DHCP-held addresses leased again from the LAN:
// systemd-networkd (or NetworkManager, when the snapshot's manager of
// them is) in the lab host, with a profile per device.
func (l *Lab) fromManager(p *fromPlan) error {
	if len(p.dhcpDevs) == 0 {
		return nil
	}
	var f Flavour
	devs := make([]string, 0, len(p.dhcpDevs))
	for d, m := range p.dhcpDevs {
		devs = append(devs, d)
		f = Flavour{Manager: m, DHCP: true}
	}
	sort.Strings(devs)
	if err := l.layoutHost(); err != nil {
		return err
	}
	files := map[string]string{}
	for _, d := range devs {
		switch f.Manager {
		case ManagerNetworkd:
			// The snapshot's rules and routes lived beside networkd on
			// the host, so networkd here leaves what it did not make alone.
			files["run/systemd/networkd.conf.d/90-rewire-lab.conf"] = "[Network]\nManageForeignRoutingPolicyRules=no\nManageForeignRoutes=no\n"
			files["etc/systemd/network/10-"+d+".network"] = "[Match]\nName=" + d +
				"\n\n[Network]\nLinkLocalAddressing=no\nIPv6AcceptRA=no\nDHCP=ipv4\n\n[DHCPv4]\nUseHostname=no\nUseDNS=no\n"
		case ManagerNM:
			files["etc/NetworkManager/NetworkManager.conf"] = sandbox.NMConf
			files["etc/NetworkManager/system-connections/"+d+".nmconnection"] = "[connection]\nid=" + d +
				"\ntype=ethernet\ninterface-name=" + d + "\n\n[ipv4]\nmethod=auto\n\n[ipv6]\nmethod=disabled\n"
		}
	}
	for rel, body := range files {
		mode := os.FileMode(0o644)
		if strings.HasPrefix(rel, "etc/NetworkManager/") {
			mode = 0o600
		}
		if err := os.MkdirAll(filepath.Dir(l.hostFile(rel)), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(l.hostFile(rel), []byte(body), mode); err != nil {
			return err
		}
	}
	if err := l.startManager(f); err != nil {
		return err
	}
	b, _ := json.Marshal(f)
	os.WriteFile(l.flavourFile(), b, 0o600)
	tg := l.Target()
	defer tg.Close()
	for _, u := range p.uplinks {
		for _, r := range u.Reserve {
			if r.Static {
				continue
			}
			want := net.ParseIP(r.IP)
			if err := waitUntil(30*time.Second, func() bool { return hasIP(tg, r.Dev, want) }); err != nil {
				return fmt.Errorf("%s did not lease %s from the LAN in 30s: %s", r.Dev, r.IP, l.logTail(map[string]string{ManagerNM: "NetworkManager", ManagerNetworkd: "systemd-networkd"}[f.Manager]))
			}
		}
	}
	return nil
}

func hasIP(tg *target.Target, dev string, ip net.IP) bool {
	lk, err := tg.LinkByName(dev)
	if err != nil {
		return false
	}
	as, _ := tg.AddrList(lk, netlink.FAMILY_V4)
	for _, a := range as {
		if a.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// fromRoutes adds the snapshot's routes but the kernel's (they came with
// the addresses) and the DHCP clients' own, on-link ones first.
func (l *Lab) fromRoutes(tg *target.Target, p *fromPlan) error {
	h, err := tg.Handle()
	if err != nil {
		return err
	}
	routes := append([]snapshot.Route(nil), l.From.Routes...)
	sort.SliceStable(routes, func(i, j int) bool { return routes[i].Gateway == "" && routes[j].Gateway != "" })
	for _, r := range routes {
		if r.Protocol == "kernel" || r.Protocol == "dhcp" && p.dhcpDevs[r.Dev] != "" {
			continue
		}
		rt := netlink.Route{Protocol: netlink.RouteProtocol(snapshot.ProtoID(r.Protocol)), Scope: snapshot.ScopeID(r.Scope),
			Type: snapshot.TypeID(r.Type), Priority: r.Metric, Family: unix.AF_INET}
		if r.Family == "inet6" {
			rt.Family = unix.AF_INET6
		}
		if rt.Table, err = snapshot.TableID(r.Table); err != nil {
			return fmt.Errorf("route %s: table %q", snapshot.RouteString(r), r.Table)
		}
		if r.Dev != "" {
			lk, err := tg.LinkByName(r.Dev)
			if err != nil {
				l.note("route %s: its link %s is left out", snapshot.RouteString(r), r.Dev)
				continue
			}
			rt.LinkIndex = lk.Attrs().Index
		}
		dst := r.Dst
		if dst == "default" {
			dst = map[string]string{"inet": "0.0.0.0/0", "inet6": "::/0"}[r.Family]
		}
		if _, rt.Dst, err = net.ParseCIDR(dst); err != nil {
			return fmt.Errorf("route %s: %w", snapshot.RouteString(r), err)
		}
		rt.Gw, rt.Src = net.ParseIP(r.Gateway), net.ParseIP(r.Src)
		if err := h.RouteAdd(&rt); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("route %s: %w", snapshot.RouteString(r), err)
		}
	}
	return nil
}

// fromRules is `ip rule add` of each rule a namespace does not start with.
func fromRules(tg *target.Target, rules []snapshot.Rule) error {
	for _, r := range rules {
		if snapshot.IsDefaultRule(r) {
			continue
		}
		args := []string{"-f", r.Family, "rule", "add", "priority", fmt.Sprint(r.Priority)}
		for _, kv := range [][2]string{{"from", r.From}, {"to", r.To}, {"iif", r.IIf}, {"oif", r.OIf}, {"fwmark", r.FwMark}} {
			if kv[1] != "" {
				args = append(args, kv[0], kv[1])
			}
		}
		args = append(args, "table", r.Table)
		if _, err := tg.Run(nil, "ip", args...); err != nil {
			return fmt.Errorf("rule %s: %w", snapshot.RuleString(r), err)
		}
	}
	return nil
}

// fromFirewall replaces the lab host's tables with the snapshot's
// (iptables-restore without --noflush, ip6tables-restore, nft -f).
func (l *Lab) fromFirewall(tg *target.Target) error {
	fw := l.From.Firewall
	for _, t := range []struct{ prog, text string }{{"iptables-restore", fw.IPTables}, {"ip6tables-restore", fw.IP6Tables}} {
		if strings.TrimSpace(t.text) == "" {
			continue
		}
		if _, err := tg.Run([]byte(t.text), t.prog); err != nil {
			return fmt.Errorf("firewall: %w", err)
		}
	}
	if strings.TrimSpace(fw.NFT) != "" {
		// Each table libvirt made here is replaced, not added to: declaring
		// a table and deleting it is nft's idiom for "whether or not it exists".
		var script strings.Builder
		for _, line := range strings.Split(fw.NFT, "\n") {
			if f := strings.Fields(line); len(f) == 4 && f[0] == "table" && f[3] == "{" {
				fmt.Fprintf(&script, "table %s %s\ndelete table %s %s\n", f[1], f[2], f[1], f[2])
			}
		}
		script.WriteString(fw.NFT)
		if _, err := tg.Run([]byte(script.String()), "nft", "-f", "-"); err != nil {
			return fmt.Errorf("firewall: %w", err)
		}
	}
	return nil
}

// fromSysctls writes the snapshot's sysctls, ip_forward first (writing
// it resets every link's forwarding); those of links the lab left out
// are skipped with them.
func (l *Lab) fromSysctls(tg *target.Target) error {
	keys := make([]string, 0, len(l.From.Sysctls))
	for k := range l.From.Sysctls {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if (keys[i] == "net.ipv4.ip_forward") != (keys[j] == "net.ipv4.ip_forward") {
			return keys[i] == "net.ipv4.ip_forward"
		}
		return keys[i] < keys[j]
	})
	return tg.Do(func() error {
		for _, k := range keys {
			path := snapshot.SysctlPath(k)
			cur, err := os.ReadFile(path)
			if err != nil {
				continue // a link the lab left out
			}
			if strings.TrimSpace(string(cur)) == l.From.Sysctls[k] {
				continue
			}
			if err := os.WriteFile(path, []byte(l.From.Sysctls[k]), 0o644); err != nil {
				return fmt.Errorf("sysctl %s = %s: %w", k, l.From.Sysctls[k], err)
			}
		}
		return nil
	})
}
