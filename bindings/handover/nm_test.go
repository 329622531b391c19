package handover_test

import (
	"testing"

	"rewire/bindings/host/managertest"
)

// startNM starts NetworkManager on a private bus with eth0's DHCP
// profile "uplink" and points the lab's roots at its bus.
func startNM(t *testing.T, l *lab) *managertest.NM {
	t.Helper()
	return startNMWith(t, l, managertest.DHCPKeyfile("uplink", "eth0"))
}

// startNMWith is startNM with eth0's profile "uplink" as given.
func startNMWith(t *testing.T, l *lab, uplink string) *managertest.NM {
	t.Helper()
	nm := managertest.StartNetworkManager(t, l.sb, managertest.NMOptions{
		Keyfiles: map[string]string{"uplink.nmconnection": uplink},
	})
	r := l.roots()
	r.Bus = nm.Bus.Addr
	l.setRoots(r)
	return nm
}
