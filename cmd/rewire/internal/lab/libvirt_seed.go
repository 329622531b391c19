package lab

import (
	"fmt"

	"libvirt.org/go/libvirt"
)

// defaultNetwork is libvirt's classic default network (SCENARIOS.md S1).
const defaultNetwork = `<network>
  <name>default</name>
  <forward mode='nat'><nat><port start='1024' end='65535'/></nat></forward>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp>
  </ip>
</network>`

// guestXML is a small TCG guest with no disk that boots from the network
// (iPXE asks for a DHCP lease, which is all the lab needs of a guest).
// A failed boot is retried after 1 s instead of SeaBIOS's 60 s, so a
// guest moved to another bridge asks that bridge's DHCP server soon.
func guestXML(name, mac string) string {
	return fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='network'/><bios rebootTimeout='1000'/></os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <interface type='network'>
      <mac address='%s'/>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
    <memballoon model='none'/>
  </devices>
</domain>`, name, mac)
}

// seedLibvirt defines and starts the default network and the guests.
func (l *Lab) seedLibvirt() error {
	c, err := libvirt.NewConnect(l.LibvirtURI())
	if err != nil {
		return err
	}
	defer c.Close()
	if l.From != nil {
		return l.seedFrom(c)
	}
	n, err := c.NetworkDefineXML(defaultNetwork)
	if err != nil {
		return fmt.Errorf("network default: %w", err)
	}
	defer n.Free()
	n.SetAutostart(true) // a host's libvirt starts it at boot (lab reboot)
	if err := n.Create(); err != nil {
		return fmt.Errorf("start network default: %w", err)
	}
	for _, g := range Guests {
		d, err := c.DomainDefineXML(guestXML(g.Name, g.MAC))
		if err != nil {
			return fmt.Errorf("define %s: %w", g.Name, err)
		}
		d.SetAutostart(true)
		err = d.Create()
		d.Free()
		if err != nil {
			return fmt.Errorf("start %s: %w", g.Name, err)
		}
	}
	return nil
}
