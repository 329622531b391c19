package handover

import (
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/godbus/dbus/v5"

	"rewire/bindings/errkind"
	"rewire/bindings/host"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

// Lease is a moved DHCP client's journal record: the bridge's client,
// which undo stops (the NIC's manager, given its device back by the
// claim's undo, leases again).
type Lease struct {
	Dev     string     `json:"dev"`  // the bridge that runs the client now
	From    string     `json:"from"` // the NIC whose client it was
	Manager string     `json:"manager"`
	Roots   host.Roots `json:"roots"`
	UUID    string     `json:"uuid,omitempty"`    // NetworkManager: the bridge's in-memory profile
	Port    string     `json:"port,omitempty"`    // NetworkManager: the NIC's in-memory port profile
	Network string     `json:"network,omitempty"` // networkd: the runtime .network
	// ifupdown: each dhclient moved (-4, -6).
	Dhclients []MovedDhclient `json:"dhclients,omitempty"`
}

// MovedDhclient is one dhclient moved from the NIC to the bridge: the
// bridge's, the NIC's (whose lease file gets the bridge's leases back),
// and the bridge's lease file as it was before the NIC's leases were
// carried in (nil: there was none).
type MovedDhclient struct {
	Bridge      Dhclient `json:"bridge"`
	NIC         Dhclient `json:"nic"`
	LeaseBefore *string  `json:"lease_before,omitempty"`
}

var leaseKind = tx.NewKind("handover.lease", stopLease, tx.KindOptions[Lease]{})

// Dynamic returns the DHCP and DHCPv6 leases among a claimed device's
// addresses.
func Dynamic(c Claimed) []host.Address {
	var out []host.Address
	for _, a := range c.Addresses {
		if a.Origin == host.OriginDHCP || a.Origin == host.OriginDHCPv6 {
			out = append(out, a)
		}
	}
	return out
}

// CanMoveLease says why the DHCP client of c's leases cannot move to a
// bridge (nil when it can): NetworkManager's, networkd's and the dhclient
// ifupdown started can.
func CanMoveLease(c Claimed, to string) error {
	leases := Dynamic(c)
	if len(leases) == 0 {
		return nil
	}
	switch {
	case c.Manager == host.NetworkManager, c.Manager == host.Networkd:
		return nil
	case c.Manager == host.Ifupdown && len(c.Dhclients) > 0:
		return nil
	}
	client := leases[0].Client
	if client == "" {
		client = "an unknown DHCP client"
	}
	return errkind.Invalid("%s's %s is a DHCP lease of %s, whose client rewire cannot move to %s; addr.move(%q, %q, {static = true}) keeps a static copy on purpose", c.Dev, leases[0].CIDR, client, to, c.Dev, to)
}

// defaultMetric is the metric of the IPv4 default route on the NIC, or
// on to once the address moved there (0: none).
func defaultMetric(tg *target.Target, devs ...string) int {
	h, err := tg.Handle()
	if err != nil {
		return 0
	}
	for _, d := range devs {
		l, err := tg.LinkByName(d)
		if err != nil {
			continue
		}
		rs, err := h.RouteList(l, netlink.FAMILY_V4)
		if err != nil {
			continue
		}
		for _, r := range rs {
			if r.Dst == nil || r.Dst.IP.IsUnspecified() {
				return r.Priority
			}
		}
	}
	return 0
}

// nmPortOf refuses NetworkManager's lease move unless the NIC is a port
// of to itself: NM detaches from a bridge it activates every port it has
// no profile for, so a bond or VLAN between them (bond-then-bridge) would
// be cut off and the lease never come; profiles for those are not made.
func nmPortOf(tg *target.Target, c Claimed, to string) error {
	nic, err := tg.LinkByName(c.Dev)
	if err != nil {
		return err
	}
	br, err := tg.LinkByName(to)
	if err != nil {
		return err
	}
	if nic.Attrs().MasterIndex == br.Attrs().Index {
		return nil
	}
	return errkind.Invalid("%s: NetworkManager's DHCP lease can move to %s only while %s is a port of %s (a bond or VLAN between them is not handed over to NetworkManager yet); addr.move(%q, %q, {static = true}) keeps a static copy on purpose", c.Dev, to, c.Dev, to, c.Dev, to)
}

// MoveLease starts the DHCP client of c's leases on to (which has the
// NIC's MAC), with the NIC's client identity, so the server renews the
// same lease there; the NIC's client was stopped by the claim. It waits
// (bounded) until to holds the lease from its new client.
//   - NetworkManager: an in-memory profile for to (`nmcli connection add
//     type bridge ifname br0 ipv4.method auto bridge.mac-address MAC
//     ipv4.dhcp-client-id ID bridge.stp no save no` + up) and one making
//     the NIC its port (NM detaches from a bridge it activates every port
//     it does not manage), each AddAndActivateConnection2 with
//     persist=volatile: NM has the NIC back as br0's port only;
//   - networkd: /run/systemd/network/00-rewire-lease-br0.network, the
//     NIC's .network matched to br0 with its IAID, and `networkctl reload`;
//   - ifupdown: the NIC's leases carried into br0's lease file
//     (/var/lib/dhcp/dhclient.br0.leases, `interface "br0"`, the DUID
//     line kept) and dhclient started with ifupdown's command line for br0
//     (`dhclient -4 -v -i -pf /run/dhclient.br0.pid -lf ... -I -df
//     /var/lib/dhcp/dhclient6.eth0.leases br0`): with the same MAC and
//     DUID it is the same client, and REQUESTs the NIC's address.
func MoveLease(s *tx.Session, c Claimed, to, macText string) error {
	mac, err := net.ParseMAC(macText)
	if err != nil {
		return errkind.Invalid("MAC %q: %v", macText, err)
	}
	leases := Dynamic(c)
	if len(leases) == 0 {
		return nil
	}
	if err := CanMoveLease(c, to); err != nil {
		return err
	}
	l := Lease{Dev: to, From: c.Dev, Manager: c.Manager, Roots: c.Roots}
	tg := s.Target
	switch c.Manager {
	case host.NetworkManager:
		if err := nmPortOf(tg, c, to); err != nil {
			return err
		}
		l.UUID, l.Port = newUUID(), newUUID()
		settings, err := nmBridgeProfile(c, to, l.UUID, mac, defaultMetric(tg, c.Dev, to))
		if err != nil {
			return err
		}
		port := nmPortProfile(c.Dev, l.Port, l.UUID)
		v6 := ""
		if c.DHCPv6 != nil {
			v6 = fmt.Sprintf(", ipv6.dhcp-iaid %d ipv6.dhcp-duid %s", c.DHCPv6.IAID, c.DHCPv6.DUID)
		}
		if err := leaseKind.Apply(s, "lease:"+to, desc("move %s's DHCP client to %s (NetworkManager: in-memory profiles %s for %s, MAC %s%s, and %s for its port %s)", c.Dev, to, l.UUID, to, mac, v6, l.Port, c.Dev), l, func() error {
			return nmActivate(c.Roots, c.Dev, to, settings, port)
		}); err != nil {
			return err
		}
	case host.Networkd:
		body, err := networkdBridgeNetwork(c, to)
		if err != nil {
			return err
		}
		l.Network = filepath.Join(c.Roots.Run, "systemd/network", dropInName(c.Roots, "rewire-lease-"+to))
		v6 := ""
		if c.DHCPv6 != nil {
			v6 = fmt.Sprintf(", DHCPv6 IAID %d", c.DHCPv6.IAID)
		}
		if err := leaseKind.Apply(s, "lease:"+to, desc("move %s's DHCP client to %s (systemd-networkd: %s, DHCP as %s had it%s; networkctl reload)", c.Dev, to, l.Network, c.File, v6), l, func() error {
			if err := writeFile(l.Network, body); err != nil {
				return err
			}
			return reloadNetworkd(c.Roots)
		}); err != nil {
			return err
		}
	case host.Ifupdown:
		how := "setsid"
		if systemdIsInit() {
			how = "transient units rewire-dhclient-" + to + "*.service"
		}
		var argvs []string
		for _, d := range c.Dhclients {
			m := MovedDhclient{Bridge: d.forDev(to), NIC: d}
			if b, err := os.ReadFile(c.Roots.Under(m.Bridge.LeaseFile)); err == nil {
				before := string(b)
				m.LeaseBefore = &before
			}
			l.Dhclients = append(l.Dhclients, m)
			argvs = append(argvs, strings.Join(m.Bridge.Argv, " "))
		}
		if err := leaseKind.Apply(s, "lease:"+to, desc("move %s's DHCP client to %s (ifupdown's dhclient, %s: %s; %s's leases carried over)", c.Dev, to, how, strings.Join(argvs, "; "), c.Dev), l, func() error {
			for _, m := range l.Dhclients {
				if err := carryLeases(c.Roots, m.NIC, m.Bridge); err != nil {
					return err
				}
				if err := m.Bridge.start(tg, c.Roots); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	if s.DryRun {
		return nil // a plan lists the change; no client runs to wait for
	}
	return waitLease(tg, c.Roots, to, c.Manager, leases)
}

// waitLease waits (bounded) until to holds each lease from manager.
func waitLease(tg *target.Target, r host.Roots, to, manager string, leases []host.Address) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := host.DeviceOf(tg, r, to)
		missing := ""
		for _, want := range leases {
			ok := false
			for _, a := range d.Addresses {
				if a.CIDR == want.CIDR && a.Origin == want.Origin && holds(a.Client, manager) {
					ok = true
				}
			}
			if !ok {
				missing = want.CIDR
			}
		}
		if err == nil && missing == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return errkind.System("%s: no lease of %s from %s 20 s after its client moved there (%v)", to, missing, manager, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// holds says whether client is manager's: ifupdown's is a dhclient
// process of its own ("dhclient pid N").
func holds(client, manager string) bool {
	return client == manager || manager == host.Ifupdown && strings.HasPrefix(client, "dhclient pid ")
}

// stopLease stops the bridge's client: NetworkManager deletes the
// in-memory profile (deactivating it); networkd loses the runtime
// .network on reload.
func stopLease(tg *target.Target, l Lease) error {
	switch l.Manager {
	case host.NetworkManager:
		conn, err := host.DialBus(l.Roots)
		if err != nil {
			return unreachable(host.NetworkManager, l.Dev, err)
		}
		defer conn.Close()
		// The NIC goes back to unmanaged first, as the claim left it: a
		// managed NIC whose port profile is gone is disconnected, and NM
		// would autoconnect the admin's profile on it at once, clearing
		// the addresses the next undo steps put back. The claim's undo
		// gives it back to NM, last.
		if dev, err := nmDevice(conn, l.From); err == nil {
			if err := nmSetManaged(conn, dev, l.From, false); err != nil {
				return err
			}
		}
		for _, u := range []string{l.Port, l.UUID} {
			var prof dbus.ObjectPath
			if u == "" || host.Call(conn, nmName, setPath, nmName+".Settings.GetConnectionByUuid", []any{&prof}, u) != nil {
				continue // gone with its deactivation: already stopped
			}
			if err := host.Call(conn, nmName, prof, nmName+".Settings.Connection.Delete", nil); err != nil {
				return fmt.Errorf("NetworkManager: nmcli connection delete %s: %w", u, err)
			}
		}
		// NM deactivates the bridge after Delete returns, and clears its
		// addresses and routes as it does: the next undo steps put the
		// NIC's back, so they must come after it.
		return nmWaitReleased(conn, []string{l.Dev, l.From}, l.UUID, l.Port)
	case host.Networkd:
		if err := os.Remove(l.Network); err != nil && !os.IsNotExist(err) {
			return err
		}
		return reloadNetworkd(l.Roots)
	case host.Ifupdown:
		return stopDhclientLease(l)
	}
	return nil
}

// stopDhclientLease stops the bridge's dhclients (no release), carries
// their leases back to the NIC's lease files (the NIC's clients, started
// again by the claim's undo, REQUEST the addresses as renewed) and puts
// the bridge's lease files back as they were.
func stopDhclientLease(l Lease) error {
	for i := len(l.Dhclients) - 1; i >= 0; i-- {
		m := l.Dhclients[i]
		if err := m.Bridge.stop(l.Roots); err != nil {
			return err
		}
		path := l.Roots.Under(m.Bridge.LeaseFile)
		if _, err := os.Stat(path); err == nil {
			if err := carryLeases(l.Roots, m.Bridge, m.NIC); err != nil {
				return err
			}
		}
		if m.LeaseBefore != nil {
			if err := writeFile(path, *m.LeaseBefore); err != nil {
				return err
			}
		} else if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
