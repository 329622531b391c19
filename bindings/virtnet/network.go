package virtnet

import (
	"fmt"
	"sort"

	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/target"
	"rewire/bindings/virtconn"
	"rewire/lua/engine"
)

// Summary is one network as `virsh net-list --all` shows it.
type Summary struct {
	Name      string `json:"name"`
	Active    bool   `json:"active"`
	Autostart bool   `json:"autostart"`
	Bridge    string `json:"bridge"`
	Forward   string `json:"forward"` // nat, route, bridge, ... or "none" (isolated)
}

// Range is one DHCP range of a network.
type Range struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Host is one static DHCP reservation (`<host mac= ip= name=>`).
type Host struct {
	MAC  string `json:"mac"`
	IP   string `json:"ip,omitempty"`
	Name string `json:"name,omitempty"`
}

// IP is one address block of a network, with its DHCP settings.
type IP struct {
	Address string  `json:"address"`
	Prefix  int     `json:"prefix"`
	Family  string  `json:"family"`
	Ranges  []Range `json:"ranges,omitempty"`
	Hosts   []Host  `json:"hosts,omitempty"`
}

// Info is one network as `virsh net-info` + `net-dumpxml` describe it.
type Info struct {
	Summary
	UUID       string `json:"uuid"`
	Persistent bool   `json:"persistent"`
	IPs        []IP   `json:"ips,omitempty"`
	XML        string `json:"xml"`
}

// List is `virsh net-list --all`, ordered by name.
func List(tg *target.Target) ([]Summary, error) {
	c, err := virtconn.ConnectNetworks(tg)
	if err != nil {
		return nil, err
	}
	nets, err := c.ListAllNetworks(0)
	if err != nil {
		return nil, virtconn.Err(err)
	}
	out := make([]Summary, 0, len(nets))
	for i := range nets {
		in, err := describe(&nets[i])
		nets[i].Free()
		if err != nil {
			return nil, err
		}
		out = append(out, in.Summary)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Get is `virsh net-info NAME` with the parsed `net-dumpxml NAME`.
func Get(tg *target.Target, name string) (Info, error) {
	n, err := Lookup(tg, name)
	if err != nil {
		return Info{}, err
	}
	defer n.Free()
	return describe(n)
}

// Exists reports whether a network of that name is defined or running.
func Exists(tg *target.Target, name string) bool {
	n, err := Lookup(tg, name)
	if err != nil {
		return false
	}
	n.Free()
	return true
}

// Lookup finds a network by name; the caller frees it.
func Lookup(tg *target.Target, name string) (*libvirt.Network, error) {
	c, err := virtconn.ConnectNetworks(tg)
	if err != nil {
		return nil, err
	}
	n, err := c.LookupNetworkByName(name)
	if virtconn.IsNotFound(err) {
		return nil, engine.NotFound("no network named %s", name)
	}
	if err != nil {
		return nil, virtconn.Err(err)
	}
	return n, nil
}

func describe(n *libvirt.Network) (Info, error) {
	var in Info
	var err error
	if in.XML, err = n.GetXMLDesc(0); err != nil {
		return in, virtconn.Err(err)
	}
	var def libvirtxml.Network
	if err := def.Unmarshal(in.XML); err != nil {
		return in, fmt.Errorf("network XML: %w", err)
	}
	in.Name, in.UUID = def.Name, def.UUID
	in.Active, _ = n.IsActive()
	in.Persistent, _ = n.IsPersistent()
	in.Autostart, _ = n.GetAutostart()
	in.Forward = "none"
	if def.Forward != nil {
		in.Forward = def.Forward.Mode
		if in.Forward == "" {
			in.Forward = "nat" // libvirt's default forward mode
		}
	}
	if def.Bridge != nil {
		in.Bridge = def.Bridge.Name
	}
	for _, ip := range def.IPs {
		in.IPs = append(in.IPs, ipOf(ip))
	}
	return in, nil
}

func ipOf(ip libvirtxml.NetworkIP) IP {
	out := IP{Address: ip.Address, Prefix: int(ip.Prefix), Family: ip.Family}
	if out.Family == "" {
		out.Family = "ipv4"
	}
	if ip.Netmask != "" {
		out.Prefix = maskBits(ip.Netmask)
	}
	if ip.DHCP != nil {
		for _, r := range ip.DHCP.Ranges {
			out.Ranges = append(out.Ranges, Range{Start: r.Start, End: r.End})
		}
		for _, h := range ip.DHCP.Hosts {
			out.Hosts = append(out.Hosts, Host{MAC: h.MAC, IP: h.IP, Name: h.Name})
		}
	}
	return out
}

func maskBits(mask string) int {
	var a, b, c, d int
	if _, err := fmt.Sscanf(mask, "%d.%d.%d.%d", &a, &b, &c, &d); err != nil {
		return 0
	}
	v := uint32(a)<<24 | uint32(b)<<16 | uint32(c)<<8 | uint32(d)
	n := 0
	for v&0x80000000 != 0 {
		n++
		v <<= 1
	}
	return n
}
