package persist

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"rewire/bindings/dnsmasq"
)

// natSample is nat.Boot of a host with a NAT network (masquerade,
// forward set, one port forward) in both families.
var natSample = natLive{
	V4: `*nat
:REWIRE-PREROUTING - [0:0]
:REWIRE-POSTROUTING - [0:0]
-A PREROUTING -j REWIRE-PREROUTING
-A POSTROUTING -j REWIRE-POSTROUTING
-A REWIRE-PREROUTING -i eth0 -p tcp -m tcp --dport 2222 -m comment --comment "rewire:web" -j DNAT --to-destination 192.168.100.10:22
-A REWIRE-POSTROUTING -s 192.168.100.0/24 -d 224.0.0.0/24 -o eth0 -m comment --comment "rewire:net" -j RETURN
-A REWIRE-POSTROUTING -s 192.168.100.0/24 -d 255.255.255.255/32 -o eth0 -m comment --comment "rewire:net" -j RETURN
-A REWIRE-POSTROUTING -s 192.168.100.0/24 ! -d 192.168.100.0/24 -o eth0 -m comment --comment "rewire:net" -j MASQUERADE
COMMIT
*filter
:REWIRE-FORWARD - [0:0]
-A FORWARD -j REWIRE-FORWARD
-A REWIRE-FORWARD -d 192.168.100.10/32 -p tcp -m tcp --dport 22 -m comment --comment "rewire:web" -j ACCEPT
-A REWIRE-FORWARD -i virbr1 -o virbr1 -m comment --comment "rewire:net" -j ACCEPT
COMMIT
`,
	V6: `*nat
:REWIRE-POSTROUTING - [0:0]
-A POSTROUTING -j REWIRE-POSTROUTING
-A REWIRE-POSTROUTING -s fd00:1::/64 ! -d fd00:1::/64 -m comment --comment "rewire:v6net" -j MASQUERADE
COMMIT
`,
}

// bootCase is a host's files (path → content) and what it runs.
type bootCase struct {
	name   string
	files  map[string]string
	nat    *natLive
	served []served
}

var bootCases = []bootCase{
	{name: "nat", nat: &natSample},
	{name: "nat-v4-only-emptying-v6", nat: &natLive{V4: natSample.V4}, files: map[string]string{"/etc/rewire/nat6.rules": natHeader + natSample.V6}},
	{name: "nat-host-firewall", nat: &natSample, files: map[string]string{
		"/etc/iptables/rules.v4":            "*filter\n:INPUT DROP [0:0]\nCOMMIT\n",
		"/etc/firewalld/firewalld.conf":     "FirewallBackend=nftables\n",
		"/etc/systemd/system/unrelated.txt": "",
	}},
	{name: "dnsmasq", served: []served{
		{Bridge: "br0", Opts: dnsmasq.Options{Range: [2]string{"192.168.100.10", "192.168.100.20"}, Router: "192.168.100.1", LeaseTime: "1h",
			Hosts: []dnsmasq.Host{{MAC: "52:54:00:12:34:56", IP: "192.168.100.15", Name: "guest1"}}},
			Hosts: "52:54:00:12:34:56,192.168.100.15,guest1\n"},
		{Bridge: "br-lan", Opts: dnsmasq.Options{Range: [2]string{"10.9.0.50", "10.9.0.99"}, DNS: []string{"10.9.0.1", "1.1.1.1"}, DNSServer: true}},
	}},
}

func (c bootCase) world() *world {
	return &world{Etc: "/etc", Run: "/run", Var: "/var/lib", Read: func(p string) (string, bool) {
		s, ok := c.files[p]
		return s, ok
	}}
}

func dumpBoot(files []File) string {
	sort.SliceStable(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	var b strings.Builder
	for _, f := range files {
		if f.Link != "" {
			fmt.Fprintf(&b, "=== %s -> %s ===\n", f.Path, f.Link)
			continue
		}
		fmt.Fprintf(&b, "=== %s (%04o) ===\n%s", f.Path, f.Mode, f.Content)
	}
	return b.String()
}

// The boot renderers against testdata/persist/boot.CASE (-update rewrites them).
func TestBootGolden(t *testing.T) {
	for _, c := range bootCases {
		t.Run(c.name, func(t *testing.T) {
			w := c.world()
			var files []File
			if c.nat != nil {
				files = append(files, renderNAT(w, *c.nat)...)
			}
			files = append(files, renderDnsmasq(w, c.served)...)
			got := dumpBoot(files)
			path := filepath.Join("../../testdata/persist", "boot."+c.name)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

func TestNATNothingToKeep(t *testing.T) {
	if fs := renderNAT((bootCase{}).world(), natLive{}); len(fs) != 0 {
		t.Errorf("no chains and no file: rendered %v", fs)
	}
}

func TestUnitEscape(t *testing.T) {
	for in, want := range map[string]string{"br0": "br0", "br-lan": `br\x2dlan`, "vlan.10": "vlan.10", ".x": `\x2ex`, "a@b": `a\x40b`} {
		if got := unitEscape(in); got != want {
			t.Errorf("unitEscape(%q) = %q, want %q", in, got, want)
		}
	}
}
