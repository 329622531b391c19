package persist

// Kinds of device the renderers know.
const (
	KindEthernet = "ethernet"
	KindBridge   = "bridge"
	KindBond     = "bond"
	KindVLAN     = "vlan"
)

// Dev is one device as it must come back after a reboot.
type Dev struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // ethernet, bridge, bond, vlan
	// MAC is written for bridges and bonds (a bridge keeps its NIC's MAC);
	// an ethernet keeps its own and none is written.
	MAC string `json:"mac,omitempty"`
	MTU int    `json:"mtu,omitempty"` // 0: the default (1500)
	// Master is the bridge or bond this device is a port or slave of.
	Master     string   `json:"master,omitempty"`
	MasterKind string   `json:"master_kind,omitempty"`
	Ports      []string `json:"ports,omitempty"` // a bridge's ports, a bond's slaves

	Bridge *BridgeOpts `json:"bridge,omitempty"`
	Bond   *BondOpts   `json:"bond,omitempty"`
	VLAN   *VLANOpts   `json:"vlan,omitempty"`

	// DHCP4: the address is a lease, so the device asks for one at boot.
	DHCP4 bool `json:"dhcp4,omitempty"`
	// IPv6Auto: an address came from SLAAC or DHCPv6.
	IPv6Auto bool `json:"ipv6_auto,omitempty"`
	// LinkLocal6: the device has an IPv6 link-local address (IPv6 is on).
	LinkLocal6 bool     `json:"link_local6,omitempty"`
	Addrs      []string `json:"addrs,omitempty"` // static CIDRs, IPv4 and IPv6
	Gateway4   string   `json:"gateway4,omitempty"`
	Gateway6   string   `json:"gateway6,omitempty"`
	// Metric4 and Metric6 are the default route's metric (a gateway's, or
	// a lease's); 0: none, or the kernel's 0. NetworkManager's own
	// default differs per device type (ethernet 100, bridge 425), so a
	// default route moved to a bridge keeps its metric only if written.
	Metric4 int     `json:"metric4,omitempty"`
	Metric6 int     `json:"metric6,omitempty"`
	Routes  []Route `json:"routes,omitempty"` // other static routes of the main table
}

// BridgeOpts are a bridge's settings.
type BridgeOpts struct {
	STP          bool `json:"stp"`
	ForwardDelay int  `json:"forward_delay"` // seconds
}

// BondOpts are a bond's settings, named as the kernel names them.
type BondOpts struct {
	Mode       string `json:"mode"` // active-backup, 802.3ad, ...
	Miimon     int    `json:"miimon,omitempty"`
	UpDelay    int    `json:"updelay,omitempty"`
	DownDelay  int    `json:"downdelay,omitempty"`
	Primary    string `json:"primary,omitempty"`
	LacpRate   string `json:"lacp_rate,omitempty"`
	HashPolicy string `json:"xmit_hash_policy,omitempty"`
}

// VLANOpts are a VLAN's parent and id.
type VLANOpts struct {
	Parent string `json:"parent"`
	ID     int    `json:"id"`
}

// Route is a static route through the device.
type Route struct {
	Dst     string `json:"dst"` // CIDR
	Gateway string `json:"gateway,omitempty"`
	Metric  int    `json:"metric,omitempty"`
}

// Static says whether the device has addresses of its own to write.
func (d Dev) Static() bool { return len(d.Addrs) > 0 }

// Port says whether the device is a port of a bridge or a slave of a
// bond: it then carries no IP configuration of its own.
func (d Dev) Port() bool { return d.Master != "" }

// Virtual says whether the manager creates the device (a physical NIC is
// only configured).
func (d Dev) Virtual() bool { return d.Kind != KindEthernet }
