package host

import (
	"strings"
	"testing"

	"rewire/bindings/host/managertest"
	"rewire/bindings/target/nstest"
)

// firewalld's zones and state, read from a real firewalld (Debian's,
// nftables backend) running in the test's namespace on a private bus:
// lo bound to trusted with firewall-cmd, as an admin would; the device,
// the managers and Lua report it.
func TestFirewalldZone(t *testing.T) {
	tg := nstest.New(t)
	sb := managertest.NewSandbox(t, tg)
	r := Roots{Etc: sb.Etc, Run: sb.Run, Var: sb.Var}
	if st, err := FirewalldOf(tg, r); err != nil || st.Running {
		t.Fatalf("before firewalld runs: %+v %v", st, err)
	}
	fw := managertest.StartFirewalld(t, sb, managertest.FirewalldOptions{})
	if out, err := fw.Cmd(t, sb, "--zone=trusted", "--change-interface=lo"); err != nil {
		t.Fatalf("firewall-cmd: %v %s", err, out)
	}
	d, err := DeviceOf(tg, r, "lo")
	if err != nil || d.Zone != "trusted" {
		t.Fatalf("lo: %+v %v", d, err)
	}
	ms, err := Managers(tg, r)
	if err != nil {
		t.Fatal(err)
	}
	if m := manager(t, ms, Firewalld); !m.Running || !strings.HasPrefix(m.Version, "1.") && !strings.HasPrefix(m.Version, "2.") {
		t.Errorf("firewalld: %+v", m)
	}
	st, err := FirewalldOf(tg, r)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Running || st.Backend != "nftables" || st.DefaultZone != "public" || strings.Join(st.Active["trusted"], ",") != "lo" {
		t.Errorf("state %+v", st)
	}
	out, lerr := runLua(t, tg, r, `local f = host.get_firewalld(); print(host.device("lo").zone, f.running, f.default_zone, f.backend, f.active.trusted[1])`)
	if lerr != nil || out != "trusted\ttrue\tpublic\tnftables\tlo" {
		t.Errorf("lua: %q %v", out, lerr)
	}
}
