package domain

import (
	"encoding/xml"
	"fmt"
	"net"
	"strings"

	"libvirt.org/go/libvirtxml"

	"rewire/lua/engine"
)

// Source is what a NIC is plugged into: `<interface type='TYPE'><source
// network|bridge='NAME'/>`, and optionally its model.
type Source struct {
	Type   string `json:"type"`   // network or bridge
	Source string `json:"source"` // network name or bridge name
	Model  string `json:"model,omitempty"`
}

func (s Source) String() string { return s.Type + " " + s.Source }

// Validate checks a Source before anything is looked up.
func (s Source) Validate() error {
	switch s.Type {
	case "network", "bridge":
	case "":
		return engine.Invalid("missing type= (network or bridge)")
	default:
		return engine.Invalid("unsupported interface type %q (network or bridge)", s.Type)
	}
	if s.Source == "" {
		return engine.Invalid("missing source= (the %s's name)", s.Type)
	}
	return nil
}

// NormalizeMAC parses a MAC and returns it lowercase, colon-separated.
func NormalizeMAC(mac string) (string, error) {
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 {
		return "", engine.Invalid("bad MAC address %q", mac)
	}
	return hw.String(), nil
}

// FindNIC returns the interface of def whose MAC is mac (normalized), or nil.
func FindNIC(def *libvirtxml.Domain, mac string) *libvirtxml.DomainInterface {
	if def == nil || def.Devices == nil {
		return nil
	}
	for i := range def.Devices.Interfaces {
		n := &def.Devices.Interfaces[i]
		if n.MAC != nil && strings.EqualFold(n.MAC.Address, mac) {
			return n
		}
	}
	return nil
}

// NICType names an interface's type as its XML does (network, bridge,
// direct, ...).
func NICType(n *libvirtxml.DomainInterface) string {
	if n.Source == nil {
		return ""
	}
	s := n.Source
	switch {
	case s.Network != nil:
		return "network"
	case s.Bridge != nil:
		return "bridge"
	case s.Direct != nil:
		return "direct"
	case s.User != nil:
		return "user"
	case s.Ethernet != nil:
		return "ethernet"
	case s.VHostUser != nil:
		return "vhostuser"
	case s.Hostdev != nil:
		return "hostdev"
	case s.Internal != nil:
		return "internal"
	case s.VDPA != nil:
		return "vdpa"
	case s.Server != nil:
		return "server"
	case s.Client != nil:
		return "client"
	case s.MCast != nil:
		return "mcast"
	case s.UDP != nil:
		return "udp"
	case s.Null != nil:
		return "null"
	case s.VDS != nil:
		return "vds"
	}
	return ""
}

// NICSource names what an interface is plugged into (network, bridge or
// host device name), as `virsh domiflist` shows it.
func NICSource(n *libvirtxml.DomainInterface) string {
	if n.Source == nil {
		return ""
	}
	s := n.Source
	switch {
	case s.Network != nil:
		return s.Network.Network
	case s.Bridge != nil:
		return s.Bridge.Bridge
	case s.Direct != nil:
		return s.Direct.Dev
	case s.Internal != nil:
		return s.Internal.Name
	}
	return ""
}

// Repoint plugs n into src, in place: only its type and source change
// (and the model, if src names one); MAC, PCI address, boot order, driver,
// target and every other element stay.
func Repoint(n *libvirtxml.DomainInterface, src Source) {
	switch src.Type {
	case "network":
		n.Source = &libvirtxml.DomainInterfaceSource{Network: &libvirtxml.DomainInterfaceSourceNetwork{Network: src.Source}}
	case "bridge":
		n.Source = &libvirtxml.DomainInterfaceSource{Bridge: &libvirtxml.DomainInterfaceSourceBridge{Bridge: src.Source}}
	}
	if src.Model != "" {
		n.Model = &libvirtxml.DomainInterfaceModel{Type: src.Model}
	}
}

// RepointXML is domXML with the NIC ref names plugged into src: only
// that <interface> element's text is edited, every other byte stays.
// A ref with a MAC finds the NIC as a journal records it (PCI address and
// alias tell NICs sharing the MAC apart); otherwise ref must match.
func RepointXML(domXML string, ref NICRef, src Source) (string, error) {
	ref, err := ref.normalize()
	if err != nil {
		return "", err
	}
	dt, err := parseDomText(domXML)
	if err != nil {
		return "", err
	}
	var head struct {
		Name string `xml:"name"`
	}
	xml.Unmarshal([]byte(domXML), &head)
	var i int
	if ref.MAC != "" {
		i, err = identify(head.Name, dt.defs, ref.MAC, ref.PCI, ref.Alias, "XML")
	} else {
		i, err = pick(head.Name, dt.defs, ref, "XML")
	}
	if err != nil {
		return "", err
	}
	elem, err := repointText(dt.nicText(i), src)
	if err != nil {
		return "", err
	}
	return dt.replaceNIC(i, elem), nil
}

// deviceXML marshals one interface for update/attach/detach-device. The
// runtime-only parts of a network source (port id, bridge) are dropped:
// libvirt recomputes them when it plugs the NIC.
func deviceXML(n libvirtxml.DomainInterface) (string, error) {
	if n.Source != nil && n.Source.Network != nil {
		src := *n.Source.Network
		src.PortID, src.Bridge = "", ""
		n.Source = &libvirtxml.DomainInterfaceSource{Network: &src}
	}
	x, err := n.Marshal()
	if err != nil {
		return "", fmt.Errorf("interface XML: %w", err)
	}
	return x, nil
}
