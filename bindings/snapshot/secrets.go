package snapshot

import (
	"fmt"

	"libvirt.org/go/libvirtxml"

	"rewire/bindings/errkind"
)

// StripSecrets parses a domain's XML with libvirt's own schema types and
// takes out everything that is a secret or points at one: VNC and SPICE
// passwords, disk and iSCSI host device <auth> (username and <secret>
// reference), disk <encryption> secrets, <launchSecurity>. It returns
// the XML without them and one item per thing taken out.
func StripSecrets(xml string) (string, []string, error) {
	var d libvirtxml.Domain
	if err := d.Unmarshal(xml); err != nil {
		return "", nil, errkind.Invalid("domain XML: %v", err)
	}
	var gone []string
	note := func(f string, a ...any) { gone = append(gone, fmt.Sprintf(f, a...)) }
	if d.Devices != nil {
		for i := range d.Devices.Graphics {
			g := &d.Devices.Graphics[i]
			if g.VNC != nil && g.VNC.Passwd != "" {
				g.VNC.Passwd, g.VNC.PasswdValidTo = "", ""
				note("graphics vnc passwd")
			}
			if g.Spice != nil && g.Spice.Passwd != "" {
				g.Spice.Passwd, g.Spice.PasswdValidTo = "", ""
				note("graphics spice passwd")
			}
		}
		for i := range d.Devices.Disks {
			disk := &d.Devices.Disks[i]
			name := "disk"
			if disk.Target != nil {
				name += " " + disk.Target.Dev
			}
			if disk.Auth != nil {
				disk.Auth = nil
				note("%s auth", name)
			}
			if disk.Encryption != nil {
				disk.Encryption = nil
				note("%s encryption", name)
			}
			stripSource(disk.Source, name, note)
			for b := disk.BackingStore; b != nil; b = b.BackingStore {
				stripSource(b.Source, name+" backing store", note)
			}
		}
		for i := range d.Devices.Hostdevs {
			h := &d.Devices.Hostdevs[i]
			if s := h.SubsysSCSI; s != nil && s.Source != nil && s.Source.ISCSI != nil && s.Source.ISCSI.Auth != nil {
				s.Source.ISCSI.Auth = nil
				note("hostdev iscsi %s auth", s.Source.ISCSI.Name)
			}
		}
	}
	if d.LaunchSecurity != nil {
		d.LaunchSecurity = nil
		note("launchSecurity")
	}
	out, err := d.Marshal()
	if err != nil {
		return "", nil, errkind.Invalid("domain %s XML: %v", d.Name, err)
	}
	return out, gone, nil
}

func stripSource(s *libvirtxml.DomainDiskSource, name string, note func(string, ...any)) {
	for ; s != nil; s = dataStore(s) {
		if s.Network != nil && s.Network.Auth != nil {
			s.Network.Auth = nil
			note("%s source auth", name)
		}
		if s.Encryption != nil {
			s.Encryption = nil
			note("%s source encryption", name)
		}
	}
}

func dataStore(s *libvirtxml.DomainDiskSource) *libvirtxml.DomainDiskSource {
	if s.DataStore == nil {
		return nil
	}
	return s.DataStore.Source
}
