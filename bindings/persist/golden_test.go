package persist

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"rewire/bindings/target/nstest"
)

var update = flag.Bool("update", false, "rewrite testdata/persist golden files")

// goldenCase is a host after a migration, as the model: its devices and
// the files its manager had before, per flavour.
type goldenCase struct {
	name     string
	devs     []Dev
	profiles map[string]map[string]string // flavour → device → file as the manager names it
	files    map[string]string            // path → content (the old profiles)
}

var mac = "52:54:00:aa:bb:cc"

var goldenCases = []goldenCase{
	{
		// S2: eth0 (DHCP from its own profile) became br0's port; br0 has eth0's MAC and asks for the lease.
		name: "bridge",
		devs: []Dev{
			{Name: "br0", Kind: KindBridge, MAC: mac, Ports: []string{"eth0"}, Bridge: &BridgeOpts{STP: false, ForwardDelay: 0}, DHCP4: true, LinkLocal6: true},
			{Name: "eth0", Kind: KindEthernet, Master: "br0", MasterKind: KindBridge},
		},
		profiles: map[string]map[string]string{
			FlavourNM:       {"eth0": "/etc/NetworkManager/system-connections/uplink.nmconnection"},
			FlavourNetworkd: {"eth0": "/etc/systemd/network/10-eth0.network"},
			FlavourNetplan:  {"eth0": "/etc/netplan/01-netcfg.yaml", "br0": "/etc/netplan/01-netcfg.yaml"},
			FlavourIfupdown: {"eth0": "/etc/network/interfaces"},
			FlavourIfcfg:    {"eth0": "/etc/sysconfig/network-scripts/ifcfg-eth0"},
		},
		files: map[string]string{
			"/etc/NetworkManager/system-connections/uplink.nmconnection": "[connection]\nid=uplink\nuuid=0b0f3e3c-56f5-4a55-9d3c-6b2a7f6a1f10\ntype=ethernet\ninterface-name=eth0\n\n[ethernet]\nmac-address=52:54:00:AA:BB:CC\n\n[ipv4]\nmethod=auto\n\n[ipv6]\naddr-gen-mode=default\nmethod=auto\n\n[proxy]\n",
			"/etc/systemd/network/10-eth0.network":                       "[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\n\n[DHCPv4]\nUseHostname=no\n",
			"/etc/netplan/01-netcfg.yaml":                                "# This is the network config written by 'subiquity'\nnetwork:\n  version: 2\n  ethernets:\n    eth0:\n      match:\n        macaddress: \"52:54:00:aa:bb:cc\"\n      set-name: eth0\n      dhcp4: true\n      nameservers:\n        addresses: [10.0.0.1]\n",
			"/etc/network/interfaces":                                    "source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n\n# The primary network interface\nallow-hotplug eth0\niface eth0 inet dhcp\n",
			"/etc/sysconfig/network-scripts/ifcfg-eth0":                  "TYPE=Ethernet\nBOOTPROTO=dhcp\nNAME=eth0\nUUID=0b0f3e3c-56f5-4a55-9d3c-6b2a7f6a1f10\nDEVICE=eth0\nONBOOT=yes\nHWADDR=52:54:00:aa:bb:cc\n",
		},
	},
	{
		// S3: two NICs in bond0 (active-backup, miimon 100, ens32 primary) under virbr1, which has the host's static address and routes.
		name: "bond-bridge",
		devs: []Dev{
			{Name: "bond0", Kind: KindBond, MAC: "00:0c:29:11:22:33", Master: "virbr1", MasterKind: KindBridge, Ports: []string{"ens32", "ens36"},
				Bond: &BondOpts{Mode: "active-backup", Miimon: 100, Primary: "ens32", HashPolicy: "layer2"}},
			{Name: "ens32", Kind: KindEthernet, Master: "bond0", MasterKind: KindBond},
			{Name: "ens36", Kind: KindEthernet, Master: "bond0", MasterKind: KindBond},
			{Name: "virbr1", Kind: KindBridge, MAC: "00:0c:29:11:22:33", MTU: 9000, Ports: []string{"bond0"}, Bridge: &BridgeOpts{STP: true, ForwardDelay: 4},
				Addrs: []string{"192.168.200.132/24", "fd00:200::132/64"}, Gateway4: "192.168.200.2", LinkLocal6: true,
				Routes: []Route{{Dst: "10.20.0.0/16", Gateway: "192.168.200.254", Metric: 50}}},
		},
	},
	{
		// A VLAN on the NIC: eth0 keeps its static address, eth0.10 gets its own.
		name: "vlan",
		devs: []Dev{
			{Name: "eth0", Kind: KindEthernet, Addrs: []string{"10.0.0.111/24"}, Gateway4: "10.0.0.1"},
			{Name: "eth0.10", Kind: KindVLAN, VLAN: &VLANOpts{Parent: "eth0", ID: 10}, MTU: 1496, Addrs: []string{"10.10.0.1/24"}},
		},
	},
}

var allFlavours = []string{FlavourNM, FlavourNetworkd, FlavourNetplan, FlavourIfupdown, FlavourIfcfg}

func (c goldenCase) world(flavour, etc string) *world {
	w := &world{Etc: etc, All: map[string]*Owned{}, Read: func(p string) (string, bool) {
		rel, _ := filepath.Rel(etc, p)
		s, ok := c.files[filepath.Join("/etc", rel)]
		return s, ok
	}}
	for _, d := range c.devs {
		o := &Owned{Dev: d, Flavour: flavour, Manager: "test", Profile: c.profiles[flavour][d.Name], Renderer: "networkd"}
		if flavour == FlavourNM && o.Profile != "" {
			o.ID = strings.TrimSuffix(filepath.Base(o.Profile), ".nmconnection")
		}
		w.All[d.Name] = o
	}
	return w
}

func dump(files []File) string {
	sort.SliceStable(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "=== %s (%04o) ===\n%s", f.Path, f.Mode, f.Content)
	}
	return b.String()
}

// Each renderer on each case against testdata/persist/CASE.FLAVOUR
// (go test -run Golden -update rewrites them), and the validator of the
// flavour accepts what it rendered.
func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		for _, fl := range allFlavours {
			t.Run(c.name+"/"+fl, func(t *testing.T) {
				files, err := render(c.world(fl, "/etc"))
				if err != nil {
					t.Fatal(err)
				}
				got := dump(files)
				path := filepath.Join("../../testdata/persist", c.name+"."+fl)
				if *update {
					os.MkdirAll(filepath.Dir(path), 0o755)
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
				c.validates(t, fl)
			})
		}
	}
}

// validates renders the case into a temporary etc holding the old
// profiles and runs the flavour's validator on it.
func (c goldenCase) validates(t *testing.T, fl string) {
	v := validators[fl]
	if v == nil {
		return
	}
	etc := t.TempDir()
	for p, s := range c.files {
		dst := filepath.Join(etc, strings.TrimPrefix(p, "/etc/"))
		os.MkdirAll(filepath.Dir(dst), 0o755)
		os.WriteFile(dst, []byte(s), 0o600)
	}
	files, err := render(c.world(fl, etc))
	if err != nil {
		t.Fatal(err)
	}
	tg := nstest.New(t) // ifup --no-act runs in a namespace of the test's own
	if err := v(tg, etc, files); err != nil {
		t.Errorf("validator: %v", err)
	}
}
