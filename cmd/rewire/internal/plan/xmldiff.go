package plan

import (
	"encoding/json"

	"libvirt.org/go/libvirtxml"

	"rewire/bindings/domain"
	"rewire/bindings/tx"
)

// nicChange is the part of a domain.nic step's journal data a diff needs:
// the prior XML (the whole persistent definition, and/or the live device)
// and the source the NIC is re-pointed to.
type nicChange struct {
	MAC    string        `json:"mac"`
	PCI    string        `json:"pci"`
	Alias  string        `json:"alias"`
	Config string        `json:"config"`
	Live   string        `json:"live"`
	After  domain.Source `json:"after"`
}

// xmlDiff is the domain XML a guest NIC re-point changes, before against
// after: the persistent definition when the change has one, else the
// live device. "" for other steps.
func xmlDiff(st *tx.Step) string {
	if st.Kind != "domain.nic" {
		return ""
	}
	var c nicChange
	if json.Unmarshal(st.Data, &c) != nil || c.After.Type == "" {
		return ""
	}
	if c.Config != "" {
		after, err := domain.RepointXML(c.Config, domain.NICRef{MAC: c.MAC, PCI: c.PCI, Alias: c.Alias}, c.After)
		if err != nil {
			return ""
		}
		return lineDiff(normalXML(c.Config), normalXML(after))
	}
	var n libvirtxml.DomainInterface
	if c.Live == "" || n.Unmarshal(c.Live) != nil {
		return ""
	}
	domain.Repoint(&n, c.After)
	after, err := n.Marshal()
	if err != nil {
		return ""
	}
	return lineDiff(c.Live, after)
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
