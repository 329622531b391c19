package lab

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rewire/bindings/handover"
	"rewire/bindings/host"
	"rewire/bindings/modules"
	"rewire/bindings/persist"
	"rewire/bindings/tx"
	"rewire/lua/engine"
	"rewire/lua/script"
)

// TestLabRebootPersistedBridge is S2 end to end on a host whose eth0
// networkd leases from the LAN: `rewire run --lab --persist
// examples/nat-to-bridge.lua` (the hand-over moves the lease to br0,
// persist writes networkd's units: the device the hand-over took is kept
// by the manager it took it from), then `lab reboot`: networkd, started
// from its files alone, gives br0 the lease with eth0 as its port.
// TestLabRebootPersistFlavours does the same for every flavour, static
// and DHCP, and the rollback after the reboot.
func TestLabRebootPersistedBridge(t *testing.T) {
	rebootPersisted(t, true)
}

// TestLabRebootPersistedBridgeNoHandover is the same with the hand-over
// off (as persist's own tests run): networkd still holds eth0 while
// persist asks it who owns eth0.
func TestLabRebootPersistedBridgeNoHandover(t *testing.T) {
	rebootPersisted(t, false)
}

func rebootPersisted(t *testing.T, withHandover bool) {
	f := Flavour{Manager: ManagerNetworkd, DHCP: true}
	l := managedLab(t, f)
	checkManaged(t, l, f, host.Networkd)
	st, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join("..", "..", "..", "..", "examples", "nat-to-bridge.lua")
	tg := l.Target()
	defer tg.Close()
	if !withHandover {
		defer handover.Disable(tg)()
	}
	s := &tx.Session{Store: st, Target: tg, Script: file}
	var out strings.Builder
	e := engine.New(&out, modules.All(s)...)
	defer e.Close()
	res := script.Run(context.Background(), s, e, script.Options{File: file, AfterScript: func(s *tx.Session) error {
		written, err := persist.Save(s, persist.Options{})
		for _, w := range written {
			t.Logf("persist: %s %s (%s, %s)", w.Action, w.Path, w.Device, w.Flavour)
		}
		return err
	}})
	t.Logf("nat-to-bridge.lua output:\n%s", out.String())
	if res.Err != nil {
		t.Fatalf("rewire run --lab --persist nat-to-bridge.lua: %v", res.Err)
	}
	start := time.Now()
	if err := l.Reboot(func(m string) { t.Log(m) }); err != nil {
		t.Fatalf("lab reboot: %v", err)
	}
	t.Logf("lab reboot took %v", time.Since(start))
	var br, nic host.Device
	deadline := time.Now().Add(20 * time.Second)
	for {
		br = eth0(t, l, "br0")
		nic = eth0(t, l, NIC)
		a := hostAddr(br)
		tg := l.Target()
		lk, err := tg.LinkByName(NIC)
		tg.Close()
		port := err == nil && lk.Attrs().MasterIndex == br.Index
		if a != nil && a.Origin == host.OriginDHCP && a.ValidLft > 0 && a.ValidLft <= 120 && port && br.Manager == host.Networkd {
			t.Logf("after reboot: br0 %s %s %+v; eth0 port of br0, %s %s", br.Manager, br.State, br.Addresses, nic.Manager, nic.State)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after reboot br0 does not hold the lease with eth0 as its port: br0 %+v eth0 %+v (port %v)\n%s", br, nic, port, l.logTail("systemd-networkd"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
