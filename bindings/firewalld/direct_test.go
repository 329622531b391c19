package firewalld

import (
	"path/filepath"
	"testing"

	"rewire/bindings/host/managertest"
	"rewire/bindings/target/nstest"
)

// hasDirect against a real firewalld: none at start, yes once a direct
// chain is added (`firewall-cmd --direct --add-chain`), none once removed.
func TestHasDirect(t *testing.T) {
	tg := nstest.New(t)
	sb := managertest.NewSandbox(t, tg)
	fw := managertest.StartFirewalld(t, sb, managertest.FirewalldOptions{})
	bus := "unix:path=" + filepath.Join(sb.Run, "dbus/system_bus_socket")
	if hasDirect(bus) {
		t.Fatal("direct rules reported on a fresh firewalld")
	}
	if out, err := fw.Cmd(t, sb, "--direct", "--add-chain", "ipv4", "filter", "REWIRE-TEST"); err != nil {
		t.Fatalf("firewall-cmd: %v %s", err, out)
	}
	if !hasDirect(bus) {
		t.Fatal("a direct chain is not reported")
	}
	if out, err := fw.Cmd(t, sb, "--direct", "--remove-chain", "ipv4", "filter", "REWIRE-TEST"); err != nil {
		t.Fatalf("firewall-cmd: %v %s", err, out)
	}
	if hasDirect(bus) {
		t.Fatal("direct rules reported after the chain was removed")
	}
}
