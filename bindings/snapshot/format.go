// Package snapshot reads a host's networking into one JSON document and
// compares two of them: `rewire snapshot [-o host.json]` and
// `rewire snapshot --diff a.json b.json`. The lab builds a host from one
// (`rewire lab up --from host.json`). Reading is all it does.
//
// The Go types below are the format: their doc comments are its
// documentation, and docs/snapshot-format.md is generated from them
// (go run ./bindings/snapshot/gendoc; a test keeps it so).
package snapshot

// Version is the format version this rewire writes and reads. A file of
// another version is refused: fields change meaning between versions.
const Version = 1

// Snapshot is one host's networking at one moment.
type Snapshot struct {
	// Version of the format; a reader refuses any other.
	Version int `json:"version"`
	// Taken is when it was read (RFC 3339, UTC).
	Taken string `json:"taken"`
	// Hostname of the host it was read on.
	Hostname string `json:"hostname"`
	// Source says where it came from: "host" (this machine), "lab", or a file.
	Source string `json:"source,omitempty"`
	// Links are every network device of the host, in ifindex order.
	Links []Link `json:"links"`
	// Routes are the routes of every table but `local` (`ip route show table all`).
	Routes []Route `json:"routes"`
	// Rules are the policy routing rules (`ip rule`, `ip -6 rule`).
	Rules []Rule `json:"rules"`
	// Sysctls are the forwarding and reverse-path sysctls, globally and
	// per link, keyed as `sysctl` names them (net.ipv4.ip_forward).
	Sysctls map[string]string `json:"sysctls"`
	// Firewall is the packet filter as its tools print it.
	Firewall Firewall `json:"firewall"`
	// Managers are the network managers found (`rewire status`).
	Managers []Manager `json:"managers"`
	// Networks are libvirt's networks.
	Networks []Network `json:"networks"`
	// Domains are libvirt's guests.
	Domains []Domain `json:"domains"`
	// Leases are the DHCP leases of libvirt's networks' dnsmasq.
	Leases []Lease `json:"leases"`
	// Notes are what could not be read, one line each (a libvirt that
	// does not answer): the snapshot holds none of it.
	Notes []string `json:"notes,omitempty"`
}

// Link is one network device (`ip -d link show`).
type Link struct {
	Name string `json:"name"` // as `ip link` names it
	// Index is the kernel's ifindex: informative, never the same on
	// another host; links refer to each other by name.
	Index int `json:"index"`
	// Kind is the kernel's link type: device (a NIC), veth, bridge, bond,
	// vlan, tuntap, dummy, loopback, macvtap, ...
	Kind string `json:"kind"`
	MAC  string `json:"mac,omitempty"` // hardware address; none for lo
	MTU  int    `json:"mtu"`
	// Up is the administrative state (IFF_UP).
	Up bool `json:"up"`
	// Master is the bridge or bond the link is a port or slave of.
	Master string `json:"master,omitempty"`
	// Manager owns the device now: NetworkManager, systemd-networkd,
	// ifupdown, network-scripts or none (as `rewire status` says).
	Manager string `json:"manager,omitempty"`
	// Profile is the manager's profile for it (connection id, .network file, stanza).
	Profile string      `json:"profile,omitempty"`
	Bridge  *BridgeOpts `json:"bridge,omitempty"` // a bridge's options
	Bond    *BondOpts   `json:"bond,omitempty"`   // a bond's options
	VLAN    *VLANOpts   `json:"vlan,omitempty"`   // a VLAN's options
	// Addresses in the kernel's order (primaries first), with their origin.
	Addresses []Address `json:"addresses"`
}

// BridgeOpts are a bridge's options (`ip -d link show type bridge`).
type BridgeOpts struct {
	STP bool `json:"stp"`
	// ForwardDelay is in seconds, as brctl setfd takes it.
	ForwardDelay int `json:"forward_delay"`
}

// BondOpts are a bond's options (/proc/net/bonding/BOND).
type BondOpts struct {
	Mode   string `json:"mode"`
	Miimon int    `json:"miimon"`
}

// VLANOpts are a VLAN's options (`ip -d link show type vlan`).
type VLANOpts struct {
	Parent   string `json:"parent"`
	ID       int    `json:"id"`
	Protocol string `json:"protocol,omitempty"` // 802.1Q or 802.1ad
}

// Address is one address of a link and how it came.
type Address struct {
	CIDR string `json:"cidr"`
	// Origin is static, dhcp, slaac, dhcpv6 or link (IPv6 link-local).
	Origin string `json:"origin"`
	// Client is the DHCP client holding a lease, as `rewire status` names it.
	Client string `json:"client,omitempty"`
	// ValidLft and PreferredLft are the seconds left when it was read;
	// -1 for an address that never expires.
	ValidLft     int `json:"valid_lft"`
	PreferredLft int `json:"preferred_lft"`
}

// Route is one route (`ip route show table all`).
type Route struct {
	// Table is main, default or a number.
	Table string `json:"table"`
	// Dst is the destination prefix; "default" for 0.0.0.0/0 and ::/0.
	Dst     string `json:"dst"`
	Gateway string `json:"gateway,omitempty"`
	Dev     string `json:"dev,omitempty"`
	Src     string `json:"src,omitempty"`
	Metric  int    `json:"metric,omitempty"`
	// Protocol is who made it: kernel, boot, static, dhcp, ra, or a number.
	Protocol string `json:"protocol"`
	// Scope is universe, link, host or a number.
	Scope string `json:"scope"`
	// Type is unicast, blackhole, unreachable, prohibit, ...
	Type   string `json:"type"`
	Family string `json:"family"` // inet or inet6
}

// Rule is one policy routing rule (`ip rule`).
type Rule struct {
	Family   string `json:"family"` // inet or inet6
	Priority int    `json:"priority"`
	From     string `json:"from,omitempty"` // prefix, "" for all
	To       string `json:"to,omitempty"`
	IIf      string `json:"iif,omitempty"`
	OIf      string `json:"oif,omitempty"`
	FwMark   string `json:"fwmark,omitempty"` // 0xMARK[/0xMASK]
	Table    string `json:"table"`
}

// Firewall is the packet filter: iptables-save and ip6tables-save output
// (comments and counters dropped, so two readings of one ruleset are
// equal), and the nftables tables libvirt made where it uses nftables.
type Firewall struct {
	IPTables  string `json:"iptables"`
	IP6Tables string `json:"ip6tables"`
	// NFT is `nft list table FAMILY NAME` of each libvirt table, joined.
	NFT string `json:"nft,omitempty"`
}

// Manager is one network manager of the host and whether it runs.
type Manager struct {
	Name    string   `json:"name"`
	Version string   `json:"version,omitempty"`
	Running bool     `json:"running"`
	Devices []string `json:"devices"`
}

// Network is one libvirt network.
type Network struct {
	Name      string `json:"name"`
	Active    bool   `json:"active"`
	Autostart bool   `json:"autostart"`
	// XML is its persistent definition (`virsh net-dumpxml --inactive`).
	XML string `json:"xml"`
}

// Domain is one libvirt guest.
type Domain struct {
	Name string `json:"name"`
	// State is running, paused, shutoff, ...
	State     string `json:"state"`
	Autostart bool   `json:"autostart"`
	// XML is its persistent definition (`virsh dumpxml --inactive`) with
	// every secret taken out: graphics passwords, disk and host device
	// auth (usernames and secret references), encryption secrets.
	XML string `json:"xml"`
	// Stripped names what was taken out, one item each.
	Stripped []string `json:"stripped,omitempty"`
}

// Lease is one DHCP lease of a libvirt network (`virsh net-dhcp-leases`).
type Lease struct {
	Network  string `json:"network"`
	MAC      string `json:"mac"`
	IP       string `json:"ip"`
	Hostname string `json:"hostname,omitempty"`
	// Expiry is Unix seconds.
	Expiry int64 `json:"expiry"`
}
