package domain

import (
	"strings"

	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/target"
)

// NIC is one guest interface as `virsh domiflist` shows it, with the PCI
// address and the IPv4 addresses its DHCP leases give its MAC.
type NIC struct {
	Dev    string `json:"dev"` // host tap (vnetN) while the guest runs
	Type   string `json:"type"`
	Source string `json:"source"`
	Model  string `json:"model"`
	MAC    string `json:"mac"`
	PCI    string `json:"pci,omitempty"`   // 0000:00:03.0
	Alias  string `json:"alias,omitempty"` // net0 (while running), or a user alias ua-...
	IP     string `json:"ip,omitempty"`    // from DHCP leases, by MAC
}

// Interfaces is `virsh domiflist NAME` (live when the guest runs) plus
// `virsh domifaddr NAME --source lease`.
func Interfaces(tg *target.Target, name string) ([]NIC, error) {
	d, err := Lookup(tg, name)
	if err != nil {
		return nil, err
	}
	defer d.Free()
	def, err := liveDef(d)
	if err != nil {
		return nil, err
	}
	ips := leasedIPs(tg, d)
	out := nicsOf(def)
	for i := range out {
		out[i].IP = strings.Join(ips[out[i].MAC], ",")
	}
	return out, nil
}

// nicsOf is `virsh domiflist` of a parsed domain (no IPs).
func nicsOf(def *libvirtxml.Domain) []NIC {
	out := make([]NIC, 0, len(def.Devices.Interfaces))
	for i := range def.Devices.Interfaces {
		n := &def.Devices.Interfaces[i]
		nic := NIC{Type: NICType(n), Source: NICSource(n), PCI: pciOf(n), Alias: aliasOf(n)}
		if n.Target != nil {
			nic.Dev = n.Target.Dev
		}
		if n.Model != nil {
			nic.Model = n.Model.Type
		}
		if n.MAC != nil {
			nic.MAC = strings.ToLower(n.MAC.Address)
		}
		out = append(out, nic)
	}
	return out
}

func val(p *uint) uint {
	if p == nil {
		return 0
	}
	return *p
}

// leasedIPs maps each MAC of a running guest to its leased IPv4
// addresses: libvirt's own lease lookup, then the leases of every
// network (which also covers a NIC whose XML no longer names it).
// Lookups that fail (a stopped guest, a driver without leases) give none.
func leasedIPs(tg *target.Target, d *libvirt.Domain) map[string][]string {
	out := map[string][]string{}
	add := func(mac, ip string) {
		mac = strings.ToLower(mac)
		for _, have := range out[mac] {
			if have == ip {
				return
			}
		}
		out[mac] = append(out[mac], ip)
	}
	if !statusOf(d).active {
		return out
	}
	if ifs, err := d.ListAllInterfaceAddresses(libvirt.DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE); err == nil {
		for _, i := range ifs {
			for _, a := range i.Addrs {
				if a.Type == libvirt.IP_ADDR_TYPE_IPV4 {
					add(i.Hwaddr, a.Addr)
				}
			}
		}
	}
	for mac, ips := range networkLeases(tg) {
		for _, ip := range ips {
			add(mac, ip)
		}
	}
	return out
}
