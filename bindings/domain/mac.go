package domain

import (
	"crypto/sha256"
	"fmt"
	"strings"

	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/bindings/virtconn"
)

// newMAC picks the MAC for a NIC attached without one, in the 52:54:00
// range libvirt and QEMU use. It is derived from the guest's UUID, the
// NIC's source and a counter, skipping MACs any guest of this libvirt
// already has, so the same recipe on the same host gets the same MAC:
// `rewire plan` shows the MAC the run will use, and a DHCP reservation
// written for it stays right after a rollback and a second run.
func newMAC(s *tx.Session, d *libvirt.Domain, src Source) (string, error) {
	uuid, err := d.GetUUIDString()
	if err != nil {
		return "", virtconn.Err(err)
	}
	used, err := macsInUse(s.Target)
	if err != nil {
		return "", err
	}
	// A plan lists an attach without making it, so the daemon cannot tell
	// a second attach that the first took a MAC; the transaction can.
	if t := s.Current(); t != nil {
		for _, st := range t.Steps() {
			if i := strings.LastIndex(st.Obj, ":nic:"); i >= 0 && !st.Undone {
				used[strings.ToLower(st.Obj[i+len(":nic:"):])] = true
			}
		}
	}
	for n := 0; ; n++ {
		h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%d", uuid, src, n)))
		mac := fmt.Sprintf("52:54:00:%02x:%02x:%02x", h[0], h[1], h[2])
		if !used[mac] {
			return mac, nil
		}
	}
}

// macsInUse are the MACs of every guest's NICs, live and persistent.
func macsInUse(tg *target.Target) (map[string]bool, error) {
	doms, err := allDomains(tg)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for i := range doms {
		for _, parse := range []func(*libvirt.Domain) (*libvirtxml.Domain, error){liveDef, configDef} {
			def, err := parse(&doms[i])
			if err != nil {
				continue // a guest that vanished meanwhile uses no MAC
			}
			for _, nic := range def.Devices.Interfaces {
				if nic.MAC != nil {
					used[strings.ToLower(nic.MAC.Address)] = true
				}
			}
		}
		doms[i].Free()
	}
	return used, nil
}
