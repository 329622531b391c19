//go:build cgo

package snapshot

import (
	"fmt"
	"sort"

	"libvirt.org/go/libvirt"

	"rewire/bindings/errkind"
	"rewire/bindings/virtconn"
)

// captureLibvirt reads every network (`virsh net-dumpxml --inactive`),
// every guest (`virsh dumpxml --inactive`, secrets stripped) and the
// active networks' DHCP leases (`virsh net-dhcp-leases`).
func captureLibvirt(uri string, s *Snapshot) error {
	c, err := libvirt.NewConnect(uri)
	if err != nil {
		s.Notes = append(s.Notes, fmt.Sprintf("libvirt %s does not answer (%s): no networks, domains or leases read", uri, virtconn.Message(err)))
		return nil
	}
	defer c.Close()
	nets, err := c.ListAllNetworks(0)
	if err != nil {
		return errkind.System("snapshot: libvirt networks: %s", virtconn.Message(err))
	}
	for _, n := range nets {
		nw := Network{}
		nw.Name, _ = n.GetName()
		nw.Active, _ = n.IsActive()
		nw.Autostart, _ = n.GetAutostart()
		nw.XML, err = n.GetXMLDesc(libvirt.NETWORK_XML_INACTIVE)
		if err != nil { // the test driver knows no flags: its XML is the definition
			nw.XML, err = n.GetXMLDesc(0)
		}
		if err != nil {
			n.Free()
			return errkind.System("snapshot: network %s: %s", nw.Name, virtconn.Message(err))
		}
		if nw.Active {
			ls, _ := n.GetDHCPLeases()
			for _, l := range ls {
				s.Leases = append(s.Leases, Lease{Network: nw.Name, MAC: l.Mac, IP: l.IPaddr, Hostname: l.Hostname, Expiry: l.ExpiryTime.Unix()})
			}
		}
		n.Free()
		s.Networks = append(s.Networks, nw)
	}
	doms, err := c.ListAllDomains(0)
	if err != nil {
		return errkind.System("snapshot: libvirt domains: %s", virtconn.Message(err))
	}
	for _, d := range doms {
		dm := Domain{}
		dm.Name, _ = d.GetName()
		st, _, _ := d.GetState()
		dm.State = stateName(st)
		dm.Autostart, _ = d.GetAutostart()
		// Without VIR_DOMAIN_XML_SECURE libvirt leaves passwords out
		// itself; StripSecrets takes out the rest (auth, encryption).
		xml, err := d.GetXMLDesc(libvirt.DOMAIN_XML_INACTIVE)
		d.Free()
		if err != nil {
			return errkind.System("snapshot: domain %s: %s", dm.Name, virtconn.Message(err))
		}
		if dm.XML, dm.Stripped, err = StripSecrets(xml); err != nil {
			return err
		}
		s.Domains = append(s.Domains, dm)
	}
	sort.Slice(s.Networks, func(i, j int) bool { return s.Networks[i].Name < s.Networks[j].Name })
	sort.Slice(s.Domains, func(i, j int) bool { return s.Domains[i].Name < s.Domains[j].Name })
	sort.Slice(s.Leases, func(i, j int) bool { return s.Leases[i].MAC < s.Leases[j].MAC })
	return nil
}

func stateName(st libvirt.DomainState) string {
	switch st {
	case libvirt.DOMAIN_RUNNING:
		return "running"
	case libvirt.DOMAIN_PAUSED:
		return "paused"
	case libvirt.DOMAIN_SHUTDOWN:
		return "shutdown"
	case libvirt.DOMAIN_CRASHED:
		return "crashed"
	case libvirt.DOMAIN_PMSUSPENDED:
		return "pmsuspended"
	}
	return "shutoff"
}
