package plan

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"libvirt.org/go/libvirt"

	"rewire/bindings/target"
	"rewire/bindings/virtconn"
)

// copyNetworks copies the target's libvirt networks — definitions,
// running or not, autostart — into libvirt's in-memory test driver, and
// returns its URI. A plan runs network changes for real on the copy, so a
// recipe that defines a network and then starts it, or plugs a guest into
// it, plans as it runs. Guests stay on the real daemon, read only: the
// test driver cannot hot-plug devices, so their changes are listed.
//
// "" and no error: the target has no libvirt to copy from (network
// changes are then listed, as guests' are).
func copyNetworks(tg *target.Target, dir string) (string, error) {
	c, err := virtconn.Connect(tg)
	if err != nil {
		return "", nil
	}
	nets, err := c.ListAllNetworks(0)
	if err != nil {
		return "", nil
	}
	type state struct {
		name              string
		active, autostart bool
	}
	var b strings.Builder
	var states []state
	b.WriteString("<node>\n")
	for i := range nets {
		n := &nets[i]
		name, _ := n.GetName()
		x, err := n.GetXMLDesc(libvirt.NETWORK_XML_INACTIVE)
		if err != nil {
			x, err = n.GetXMLDesc(0)
		}
		if err != nil {
			n.Free()
			return "", fmt.Errorf("plan: read network %s: %s", name, virtconn.Message(err))
		}
		s := state{name: name}
		s.active, _ = n.IsActive()
		s.autostart, _ = n.GetAutostart()
		states = append(states, s)
		b.WriteString(x + "\n")
		n.Free()
	}
	b.WriteString("</node>\n")
	file := filepath.Join(dir, "networks.xml")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		return "", err
	}
	uri := "test://" + file
	cp := &target.Target{Spec: target.Spec{Name: tg.Name, LibvirtURI: uri}}
	tc, err := virtconn.Connect(cp)
	if err != nil {
		return "", err
	}
	// The test driver starts every network it loads; stop those that
	// are not running on the target.
	for _, s := range states {
		if err := setState(tc, s.name, s.active, s.autostart); err != nil {
			virtconn.Disconnect(uri)
			return "", fmt.Errorf("plan: copy of network %s: %s", s.name, virtconn.Message(err))
		}
	}
	return uri, nil
}

// setState stops a copied network that was not running on the target
// and sets its autostart as there.
func setState(c *libvirt.Connect, name string, active, autostart bool) error {
	n, err := c.LookupNetworkByName(name)
	if err != nil {
		return err
	}
	defer n.Free()
	if !active {
		if err := n.Destroy(); err != nil {
			return err
		}
	}
	if autostart {
		return n.SetAutostart(true)
	}
	return nil
}
