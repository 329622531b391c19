package persist

import "testing"

// A bridge the hand-over gave a lease through a runtime .network, over a
// NIC netplan keeps, is kept in netplan's YAML (it inherits its port);
// over a NIC networkd keeps, the runtime file goes to /etc as before.
func TestUnderNetplanTheBridgeGoesWithItsPort(t *testing.T) {
	for _, c := range []struct{ port, want string }{{FlavourNetplan, FlavourNetplan}, {FlavourNetworkd, FlavourNetworkd}} {
		devs := map[string]*Owned{
			"br0":  {Dev: Dev{Name: "br0", Kind: KindBridge, Ports: []string{"eth0"}}, Flavour: FlavourNetworkd, Profile: "/run/systemd/network/00-rewire-lease-br0.network"},
			"eth0": {Dev: Dev{Name: "eth0", Kind: KindEthernet, Master: "br0"}, Flavour: c.port, Profile: "/etc/netplan/01-uplink.yaml"},
		}
		underNetplan(devs)
		if err := inherit(devs, nil, func() (Owned, bool) { return Owned{}, false }); err != nil {
			t.Fatal(err)
		}
		if got := devs["br0"].Flavour; got != c.want {
			t.Errorf("port kept by %s: br0 kept by %s, want %s", c.port, got, c.want)
		}
	}
}
