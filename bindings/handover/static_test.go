package handover_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rewire/bindings/host"
	"rewire/bindings/host/managertest"
)

// A lease is never frozen silently: without {mac = true} it cannot move
// (one line saying why and what {static = true} does); {static = true}
// keeps a static copy on purpose and says so in its change.
func TestStaticCopyOnPurpose(t *testing.T) {
	l := newLab(t)
	nd := l.networkd(t, map[string]string{"10-eth0.network": dhcpNetwork})
	before := l.device(t, "eth0", 15*time.Second, leasedBy(host.Networkd), nd.Daemon, l.dhcp.Daemon)
	orig, _ := lease(before)

	res, out := l.run(t, `bridge.create("br0", {}) addr.move("eth0", "br0")`)
	if res.Err == nil || !strings.Contains(res.Err.Message, "only with its MAC") || !strings.Contains(res.Err.Message, "{static = true} keeps a static copy") || strings.Contains(res.Err.Message, "\n") {
		t.Fatalf("move without mac: %v\n%s", res.Err, out)
	}
	t.Logf("without mac: %s", res.Err.Message)
	l.device(t, "eth0", 5*time.Second, leasedBy(host.Networkd), nd.Daemon)

	res, out = l.run(t, `bridge.create("br0", {}) addr.move("eth0", "br0", { static = true })`)
	if res.Err != nil {
		t.Fatalf("static move: %v\n%s", res.Err, out)
	}
	if !strings.Contains(out, "+ add "+orig.CIDR+" to br0 (warning: a static copy of eth0's DHCP lease, kept on purpose: {static = true})") {
		t.Errorf("no warning in the changes:\n%s", out)
	}
	br, err := host.DeviceOf(l.Host, l.roots(), "br0")
	if a, ok := hasCIDR(br, orig.CIDR); err != nil || !ok || a.ValidLft != host.Forever || a.Origin != host.OriginStatic {
		t.Errorf("br0: %+v %v; want %s static, forever", br, err, orig.CIDR)
	}
	l.rollback(t, res.TxID)
	l.device(t, "eth0", 10*time.Second, leasedBy(host.Networkd), nd.Daemon)
}

// A static ifupdown stanza: the claim takes eth0 out of ifupdown's state
// (`ifquery --state` no longer lists it, so `ifdown -a` passes it by)
// for the life of the change; rollback puts the line back.
func TestIfupdownStaticClaimed(t *testing.T) {
	l := newLab(t)
	managertest.Ifupdown(t, l.sb, "iface eth0 inet static\n  address 10.0.0.112/24\n", "eth0")
	ifstate := func() string {
		b, _ := os.ReadFile(filepath.Join(l.sb.Run, "network/ifstate"))
		return string(b)
	}
	before := ifstate()
	if !strings.Contains(before, "eth0=eth0") {
		t.Fatalf("ifstate: %q", before)
	}
	l.device(t, "eth0", time.Second, func(d host.Device) string {
		if d.Manager != host.Ifupdown {
			return "not ifupdown's"
		}
		return ""
	})
	res, out := l.run(t, natToBridge)
	if res.Err != nil {
		t.Fatalf("run: %v\n%s", res.Err, out)
	}
	if !strings.Contains(out, "+ hand eth0 over from ifupdown") || strings.Contains(ifstate(), "eth0=") {
		t.Errorf("changes:\n%s\nifstate %q", out, ifstate())
	}
	if d, _ := host.DeviceOf(l.Host, l.roots(), "br0"); len(d.Addresses) == 0 || d.Addresses[0].CIDR != "10.0.0.112/24" {
		t.Errorf("br0: %+v", d)
	}
	l.rollback(t, res.TxID)
	if got := ifstate(); got != before {
		t.Errorf("ifstate after rollback %q, want %q", got, before)
	}
	l.device(t, "eth0", time.Second, func(d host.Device) string {
		if _, ok := hasCIDR(d, "10.0.0.112/24"); d.Manager != host.Ifupdown || !ok {
			return "not ifupdown's with its address"
		}
		return ""
	})
}

// A lease held by a dhclient no manager started (run by hand): rewire
// cannot restart that client exactly, so addr.move refuses in one line
// naming the client and {static = true}, nothing changed; {static =
// true} keeps a static copy and says so.
func TestForeignDhclientRefused(t *testing.T) {
	l := newLab(t)
	l.sb.Exec("dhclient", "-4", "-pf", "/run/by-hand.pid", "-lf", "/var/lib/dhcp/by-hand.leases", "eth0")
	d := l.device(t, "eth0", 15*time.Second, func(d host.Device) string {
		if a, ok := lease(d); d.Manager != host.None || !ok || !strings.HasPrefix(a.Client, "dhclient pid ") {
			return "no lease of a hand-run dhclient"
		}
		return ""
	}, l.dhcp.Daemon)
	orig, _ := lease(d)
	res, out := l.run(t, natToBridge)
	if res.Err == nil || !strings.Contains(res.Err.Message, "dhclient pid") || !strings.Contains(res.Err.Message, "{static = true}) keeps a static copy") || strings.Contains(res.Err.Message, "\n") {
		t.Fatalf("run: %v\n%s", res.Err, out)
	}
	t.Logf("refused: %s", res.Err.Message)
	if _, err := l.Host.LinkByName("br0"); err == nil {
		t.Error("br0 outlived the refusal")
	}
	if a, ok := hasCIDR(l.device(t, "eth0", time.Second, func(host.Device) string { return "" }), orig.CIDR); !ok || a.Origin != host.OriginDHCP {
		t.Errorf("eth0 lost its lease: %+v", a)
	}
	res, out = l.run(t, `bridge.create("br0", {}) addr.move("eth0", "br0", { static = true })`)
	if res.Err != nil || !strings.Contains(out, "(warning: a static copy of eth0's DHCP lease, kept on purpose: {static = true})") {
		t.Fatalf("static move: %v\n%s", res.Err, out)
	}
	l.rollback(t, res.TxID)
}
