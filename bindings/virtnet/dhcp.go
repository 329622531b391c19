package virtnet

import (
	"fmt"
	"net"
	"sort"
	"strings"

	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/errkind"
	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/bindings/virtconn"
	"rewire/lua/engine"
)

var dhcpHostKind = tx.NewKind("network.dhcp_host", func(tg *target.Target, u hostUndo) error {
	return setHost(tg, u.Network, u.Host, !u.Added)
}, tx.KindOptions[hostUndo]{OutlivesBoot: true})

// Lease is one DHCP lease as `virsh net-dhcp-leases NAME` shows it.
type Lease struct {
	MAC      string `json:"mac"`
	IP       string `json:"ip"`
	Prefix   int    `json:"prefix"`
	Hostname string `json:"hostname,omitempty"`
	Expiry   string `json:"expiry"`
	Iface    string `json:"iface"`
}

// Leases is `virsh net-dhcp-leases NAME`.
func Leases(tg *target.Target, name string) ([]Lease, error) {
	n, err := Lookup(tg, name)
	if err != nil {
		return nil, err
	}
	defer n.Free()
	ls, err := n.GetDHCPLeases()
	if err != nil {
		return nil, virtconn.Err(err)
	}
	out := make([]Lease, 0, len(ls))
	for _, l := range ls {
		out = append(out, Lease{MAC: strings.ToLower(l.Mac), IP: l.IPaddr, Prefix: int(l.Prefix),
			Hostname: l.Hostname, Expiry: l.ExpiryTime.UTC().Format("2006-01-02 15:04:05"), Iface: l.Iface})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].MAC < out[j].MAC })
	return out, nil
}

// hostUndo is a DHCP reservation change: the host entry, and whether the
// change added it (undo removes) or removed it (undo adds back).
type hostUndo struct {
	Network string `json:"network"`
	Host    Host   `json:"host"`
	Added   bool   `json:"added"`
}

// DHCPHostAdd is `virsh net-update NAME add ip-dhcp-host "<host mac= ip=
// name=/>" --live --config`: a static reservation, in the running
// network and its definition.
func DHCPHostAdd(s *tx.Session, network string, h Host) error {
	mac, err := net.ParseMAC(h.MAC)
	if err != nil || len(mac) != 6 {
		return engine.Invalid("bad MAC address %q", h.MAC)
	}
	h.MAC = mac.String()
	if h.IP != "" && net.ParseIP(h.IP) == nil {
		return engine.Invalid("bad IP address %q", h.IP)
	}
	if h.IP == "" && h.Name == "" {
		return engine.Invalid("a DHCP host needs ip= or name=")
	}
	hosts, err := dhcpHosts(s.Target, network)
	if err != nil {
		return err
	}
	if _, ok := hosts[h.MAC]; ok {
		return errkind.Exists("network %s already has a DHCP host for %s", network, h.MAC)
	}
	return dhcpHostKind.Apply(s, "network:"+network+":host:"+h.MAC, fmt.Sprintf("add DHCP host %s %s %s to network %s", h.MAC, h.IP, h.Name, network), hostUndo{Network: network, Host: h, Added: true}, func() error { return setHost(s.Target, network, h, true) })
}

// DHCPHostRemove is `virsh net-update NAME delete ip-dhcp-host "<host
// mac=/>" --live --config`.
func DHCPHostRemove(s *tx.Session, network, macText string) error {
	mac, err := net.ParseMAC(macText)
	if err != nil || len(mac) != 6 {
		return engine.Invalid("bad MAC address %q", macText)
	}
	hosts, err := dhcpHosts(s.Target, network)
	if err != nil {
		return err
	}
	h, ok := hosts[mac.String()]
	if !ok {
		return engine.NotFound("network %s has no DHCP host for %s", network, mac)
	}
	return dhcpHostKind.Apply(s, "network:"+network+":host:"+h.MAC, fmt.Sprintf("remove DHCP host %s from network %s", h.MAC, network), hostUndo{Network: network, Host: h, Added: false}, func() error { return setHost(s.Target, network, h, false) })
}

// dhcpHosts reads the reservations of a network's first DHCP block, by MAC.
func dhcpHosts(tg *target.Target, network string) (map[string]Host, error) {
	in, err := Get(tg, network)
	if err != nil {
		return nil, err
	}
	out := map[string]Host{}
	for _, ip := range in.IPs {
		if len(ip.Ranges) == 0 && len(ip.Hosts) == 0 {
			continue
		}
		for _, h := range ip.Hosts {
			out[strings.ToLower(h.MAC)] = h
		}
		return out, nil
	}
	return nil, engine.Invalid("network %s has no DHCP", network)
}

// setHost adds (present) or deletes the reservation, in the running
// network if it runs and in the definition if it has one. Already so is fine.
func setHost(tg *target.Target, network string, h Host, present bool) error {
	hosts, err := dhcpHosts(tg, network)
	if err != nil {
		if !present && engine.KindOf(err) == engine.KindNotFound {
			return nil
		}
		return err
	}
	if _, ok := hosts[strings.ToLower(h.MAC)]; ok == present {
		return nil
	}
	n, err := Lookup(tg, network)
	if err != nil {
		return err
	}
	defer n.Free()
	var flags libvirt.NetworkUpdateFlags
	if a, _ := n.IsActive(); a {
		flags |= libvirt.NETWORK_UPDATE_AFFECT_LIVE
	}
	if p, _ := n.IsPersistent(); p {
		flags |= libvirt.NETWORK_UPDATE_AFFECT_CONFIG
	}
	x, err := (&libvirtxml.NetworkDHCPHost{MAC: h.MAC, IP: h.IP, Name: h.Name}).Marshal()
	if err != nil {
		return err
	}
	cmd := libvirt.NETWORK_UPDATE_COMMAND_ADD_LAST
	if !present {
		cmd = libvirt.NETWORK_UPDATE_COMMAND_DELETE
	}
	return virtconn.Err(n.Update(cmd, libvirt.NETWORK_SECTION_IP_DHCP_HOST, -1, x, flags))
}
