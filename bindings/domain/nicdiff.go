package domain

import "libvirt.org/go/libvirtxml"

// nicDiff is what a plan shows of a NIC change: the guest's persistent
// definition before and after when the change has one, else the live
// device; both sides marshalled alike so that only the NIC differs.
func nicDiff(u nicUndo) (before, after string) {
	if u.After.Type == "" {
		return "", "" // an attach or a detach: the step says it all
	}
	if u.Config != "" {
		a, err := RepointXML(u.Config, NICRef{MAC: u.MAC, PCI: u.PCI, Alias: u.Alias}, u.After)
		if err != nil {
			return "", ""
		}
		return normalXML(u.Config), normalXML(a)
	}
	if u.CfgNIC != "" { // one NIC of a batch: its element before and after
		a, err := repointText(u.CfgNIC, u.After)
		if err != nil {
			return "", ""
		}
		return u.CfgNIC, a
	}
	var n libvirtxml.DomainInterface
	if u.Live == "" || n.Unmarshal(u.Live) != nil {
		return "", ""
	}
	Repoint(&n, u.After)
	a, err := n.Marshal()
	if err != nil {
		return "", ""
	}
	return u.Live, a
}

// normalXML re-marshals a domain definition, so both sides of a diff are
// indented alike.
func normalXML(x string) string {
	var d libvirtxml.Domain
	if d.Unmarshal(x) != nil {
		return x
	}
	out, err := d.Marshal()
	if err != nil {
		return x
	}
	return out
}
