package firewalld_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rewire/bindings/host"
	"rewire/bindings/host/managertest"
	"rewire/bindings/modules"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/lua/engine"
	"rewire/lua/script"
)

// SCENARIOS S5 on a host where firewalld runs (Debian's stock zones):
// examples/nat-network.lua, unchanged, builds virbr1 with DHCP, NAT and
// forwarding; virbr1 goes into nm-shared as a step of its own and nat
// warns about firewalld's reload; a guest on virbr1 is leased an address
// and reaches the LAN's gateway through the NAT. Rolled back from the
// journal, virbr1 is bound to no zone.
func TestNATNetworkExampleWithFirewalld(t *testing.T) {
	h := nstest.NewHostLAN(t, nstest.LabSpec())
	sb := managertest.NewSandbox(t, h.Host)
	rootsMu.Lock()
	roots[h.Host.NetnsPath] = host.Roots{Etc: sb.Etc, Run: sb.Run, Var: sb.Var}
	rootsMu.Unlock()
	t.Cleanup(func() { rootsMu.Lock(); delete(roots, h.Host.NetnsPath); rootsMu.Unlock() })
	fw := managertest.StartFirewalld(t, sb, managertest.FirewalldOptions{})
	guest := nstest.New(t)
	nstest.Veth(t, h.Host, "vnet0", guest, "eth0")
	run(t, guest, "ip", "link", "set", "eth0", "address", guestMAC, "up")

	store, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s := &tx.Session{Store: store, Target: h.Host, Script: "nat-network.lua", OnApply: func(st *tx.Step) { fmt.Fprintf(&out, "+ %s\n", st.Desc) }}
	e := engine.New(&out, modules.Kernel(s)...)
	defer e.Close()
	res := script.Run(context.Background(), s, e, script.Options{File: "../../examples/nat-network.lua", Args: []string{"eth0", "virbr1"}})
	t.Logf("run:\n%s", out.String())
	if res.Err != nil || res.TxID == "" {
		t.Fatalf("nat-network.lua: %v (state %s)", res.Err, res.State)
	}
	if !strings.Contains(out.String(), "+ firewalld: move virbr1 from no zone to zone nm-shared (runtime)") ||
		!strings.Contains(out.String(), "warning: firewalld") {
		t.Fatalf("no zone step or reload warning in the run")
	}
	if z := fw.ZoneOf(t, "virbr1"); z != "nm-shared" {
		t.Fatalf("virbr1 in zone %q, want nm-shared", z)
	}

	run(t, h.Host, "ip", "link", "set", "vnet0", "master", "virbr1", "up")
	dir := t.TempDir()
	sh := "#!/bin/sh\ncase \"$1\" in bound|renew) ip addr replace $ip/$mask dev $interface; ip route replace default via $router; echo $ip > " +
		filepath.Join(dir, "ip") + ";; esac\nexit 0\n"
	if err := os.WriteFile(filepath.Join(dir, "script"), []byte(sh), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, guest, "busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "5", "-T", "1", "-s", filepath.Join(dir, "script"))
	ip, _ := os.ReadFile(filepath.Join(dir, "ip"))
	if !strings.HasPrefix(string(ip), "192.168.100.") {
		t.Fatalf("guest leased %q", ip)
	}
	if o, err := guest.Run(nil, "busybox", "ping", "-c", "1", "-W", "2", "10.0.0.1"); err != nil {
		t.Fatalf("guest %s cannot reach the LAN's gateway through the NAT: %v\n%s", strings.TrimSpace(string(ip)), err, o)
	}

	st, err := tx.OpenStore(store.Dir) // the undo works from the journal alone
	if err != nil {
		t.Fatal(err)
	}
	rep, err := st.RollbackCommitted(res.TxID, false, nil)
	if err != nil || rep.Err() != nil {
		t.Fatalf("rollback: %v %v", err, rep.Err())
	}
	if z := fw.ZoneOf(t, "virbr1"); z != "" {
		t.Fatalf("virbr1 in zone %q after rollback", z)
	}
}
