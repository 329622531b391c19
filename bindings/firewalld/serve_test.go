package firewalld_test

import (
	"strings"
	"testing"

	"rewire/bindings/dnsmasq"
	"rewire/bindings/errkind"
	"rewire/bindings/host"
	"rewire/bindings/host/managertest"
	"rewire/bindings/tx"
)

var serveOpts = dnsmasq.Options{Range: [2]string{"192.168.100.10", "192.168.100.20"}, Router: "192.168.100.1"}

func kinds(s *tx.Session) []string {
	var out []string
	if t := s.Current(); t != nil {
		for _, st := range t.Steps() {
			out = append(out, st.Kind)
		}
	}
	return out
}

// dnsmasq.serve where firewalld runs with Debian's stock zones (no libvirt
// zone; NetworkManager's nm-shared is there, as on a host with NM): br0 goes
// into nm-shared as a step of its own after the serve, the guest is leased,
// and rollback stops dnsmasq and leaves br0 in no zone, as before.
func TestServeMovesBridgeIntoNMShared(t *testing.T) {
	l := newLAN(t)
	fw := managertest.StartFirewalld(t, l.sb, managertest.FirewalldOptions{})
	s := l.session(t)
	if err := dnsmasq.Serve(s, "br0", serveOpts); err != nil {
		t.Fatal(err)
	}
	if k := strings.Join(kinds(s), " "); k != "dnsmasq.serve firewalld.zone" {
		t.Fatalf("steps %q, want dnsmasq.serve firewalld.zone", k)
	}
	if z := fw.ZoneOf(t, "br0"); z != "nm-shared" {
		t.Fatalf("br0 in zone %q, want nm-shared", z)
	}
	if ip := l.dhcp(t, "5"); !strings.HasPrefix(ip, "192.168.100.") {
		t.Fatalf("guest got no lease through nm-shared (%q)", ip)
	}
	if rep := s.Rollback(); rep.Err() != nil {
		t.Fatal(rep.Err())
	}
	if z := fw.ZoneOf(t, "br0"); z != "" {
		t.Fatalf("br0 in zone %q after rollback, want none", z)
	}
	if st, _ := dnsmasq.Status(s); len(st) != 0 && st[0].Running {
		t.Fatalf("dnsmasq still serves after rollback: %+v", st)
	}
}

// Neither libvirt's zone nor nm-shared: br0 stays bound to no zone and the
// default zone (public) gets the dhcp and dns services at runtime, a step
// each; the guest is leased and answered; rollback leaves public's
// services exactly as they were.
func TestServeAddsServiceToDefaultZone(t *testing.T) {
	l := newLAN(t)
	fw := managertest.StartFirewalld(t, l.sb, managertest.FirewalldOptions{Without: []string{"nm-shared"}})
	before := fw.Services(t, "public")
	s := l.session(t)
	opts := serveOpts
	opts.DNSServer = true
	if err := dnsmasq.Serve(s, "br0", opts); err != nil {
		t.Fatal(err)
	}
	steps := s.Current().Steps()
	if k := strings.Join(kinds(s), " "); k != "dnsmasq.serve firewalld.service firewalld.service" ||
		!strings.Contains(steps[1].Desc, "add service dhcp to zone public for br0") || !strings.Contains(steps[2].Desc, "add service dns to zone public") {
		t.Fatalf("steps %q (%s)", k, steps[len(steps)-1].Desc)
	}
	if ok, out := l.dnsAnswers(t); !ok {
		t.Fatalf("DNS on br0 does not answer with dns in public: %s", out)
	} else {
		t.Logf("DNS answers: %s", out)
	}
	// The service is what lets it through: without it the query is lost.
	if out, err := fw.Cmd(t, l.sb, "--zone=public", "--remove-service=dns"); err != nil {
		t.Fatalf("firewall-cmd: %v %s", err, out)
	}
	if ok, out := l.dnsAnswers(t); ok {
		t.Fatalf("DNS answered with no dns service in public: %s", out)
	} else {
		t.Logf("without the service: %s", out)
	}
	if out, err := fw.Cmd(t, l.sb, "--zone=public", "--add-service=dns"); err != nil {
		t.Fatalf("firewall-cmd: %v %s", err, out)
	}
	if z := fw.ZoneOf(t, "br0"); z != "" {
		t.Fatalf("br0 was moved to zone %q", z)
	}
	if got := strings.Join(fw.Services(t, "public"), ","); !strings.Contains(","+got+",", ",dhcp,") {
		t.Fatalf("public's services %s lack dhcp", got)
	}
	if ip := l.dhcp(t, "5"); !strings.HasPrefix(ip, "192.168.100.") {
		t.Fatalf("guest got no lease with dhcp in public (%q)", ip)
	}
	if rep := s.Rollback(); rep.Err() != nil {
		t.Fatal(rep.Err())
	}
	if after := fw.Services(t, "public"); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Fatalf("public's services %v after rollback, were %v", after, before)
	}
}

// A bridge an admin had bound to a zone goes back to exactly that zone.
func TestRollbackRestoresPriorZone(t *testing.T) {
	l := newLAN(t)
	fw := managertest.StartFirewalld(t, l.sb, managertest.FirewalldOptions{Zones: map[string]string{"libvirt": libvirtZone}})
	if out, err := fw.Cmd(t, l.sb, "--zone=internal", "--change-interface=br0"); err != nil {
		t.Fatalf("firewall-cmd: %v %s", err, out)
	}
	s := l.session(t)
	if err := dnsmasq.Serve(s, "br0", serveOpts); err != nil {
		t.Fatal(err)
	}
	steps := s.Current().Steps()
	if d := steps[len(steps)-1].Desc; !strings.Contains(d, "br0 from zone internal to zone libvirt") {
		t.Fatalf("step %q", d)
	}
	if rep := s.Rollback(); rep.Err() != nil {
		t.Fatal(rep.Err())
	}
	if z := fw.ZoneOf(t, "br0"); z != "internal" {
		t.Fatalf("br0 in zone %q after rollback, want internal", z)
	}
}

// firewalld runs but its bus cannot be reached: serve fails with one
// line naming firewalld and the bridge, and nothing is journaled or
// started. Without firewalld, serve journals dnsmasq alone.
func TestServeFirewalldUnreachable(t *testing.T) {
	l := newLAN(t)
	s := l.session(t)
	if err := dnsmasq.Serve(s, "br0", serveOpts); err != nil {
		t.Fatal(err)
	}
	if k := strings.Join(kinds(s), " "); k != "dnsmasq.serve" {
		t.Fatalf("without firewalld: steps %q", k)
	}
	if rep := s.Rollback(); rep.Err() != nil {
		t.Fatal(rep.Err())
	}

	managertest.StartFirewalld(t, l.sb, managertest.FirewalldOptions{})
	rootsMu.Lock()
	roots[l.host.NetnsPath] = host.Roots{Etc: l.sb.Etc, Run: l.sb.Run, Var: l.sb.Var, Bus: "unix:path=" + t.TempDir() + "/no-bus"}
	rootsMu.Unlock()
	s = l.session(t)
	err := dnsmasq.Serve(s, "br0", serveOpts)
	if err == nil {
		t.Fatal("serve succeeded with firewalld's bus unreachable")
	}
	msg := err.Error()
	if errkind.Of(err) != errkind.KindSystem || strings.Contains(msg, "\n") || !strings.Contains(msg, "firewalld") || !strings.Contains(msg, "br0") {
		t.Fatalf("error (%s): %q", errkind.Of(err), msg)
	}
	t.Logf("error: %s", msg)
	if k := kinds(s); len(k) != 0 {
		t.Fatalf("journaled %v", k)
	}
	if st, _ := dnsmasq.Status(s); len(st) != 0 {
		t.Fatalf("dnsmasq started: %+v", st)
	}
}
