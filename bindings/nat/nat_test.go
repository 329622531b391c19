package nat

import (
	"encoding/json"
	"strings"
	"testing"

	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
)

func newSession(t *testing.T) *tx.Session {
	t.Helper()
	st, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &tx.Session{Store: st, Target: nstest.New(t), Script: "test"}
}

// saved is iptables-save and ip6tables-save of the target, counters aside.
func saved(t *testing.T, tg *target.Target) string {
	t.Helper()
	var b strings.Builder
	for _, f := range []Family{IPv4, IPv6} {
		out, err := Save(tg, f)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(Normalize(out))
	}
	return b.String()
}

// addLink makes an interface the rules can name (a bridge: needs no module).
func addLink(t *testing.T, tg *target.Target, name string) {
	t.Helper()
	if _, err := tg.Run(nil, "ip", "link", "add", name, "type", "bridge"); err != nil {
		t.Fatal(err)
	}
}

func TestRulesAndExactRollbackOnAnEmptyHost(t *testing.T) {
	s := newSession(t)
	addLink(t, s.Target, "eth0")
	addLink(t, s.Target, "virbr1")
	before := saved(t, s.Target)
	if before != "" {
		t.Fatalf("a fresh namespace has rules: %q", before)
	}
	res, err := Masquerade(s, "192.168.100.1/24", "eth0", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Tag != s.Current().ID || res.Added != 3 {
		t.Fatalf("result %+v, want the transaction id as tag and 3 rules", res)
	}
	if _, err := Forward(s, "virbr1", "192.168.100.0/24", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := AddPortForward(s, PortForward{Proto: "tcp", Port: "2222", To: "192.168.100.10:22", In: "eth0"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Masquerade(s, "fd00:1::/64", "", "v6net"); err != nil {
		t.Fatal(err)
	}
	if _, err := Forward(s, "virbr1", "fd00:1::/64", "v6net"); err != nil {
		t.Fatal(err)
	}
	if _, err := AddPortForward(s, PortForward{Proto: "udp", Port: "2000-2010", To: "[fd00:1::10]:3000-3010", Tag: "v6net"}); err != nil {
		t.Fatal(err)
	}
	now := saved(t, s.Target)
	for _, want := range []string{
		`-A POSTROUTING -j REWIRE-POSTROUTING`,
		`-A FORWARD -j REWIRE-FORWARD`,
		`-A REWIRE-POSTROUTING -s 192.168.100.0/24 ! -d 192.168.100.0/24 -o eth0 -m comment --comment "rewire:` + res.Tag + `" -j MASQUERADE`,
		`-A REWIRE-PREROUTING -i eth0 -p tcp -m tcp --dport 2222 -m comment --comment "rewire:` + res.Tag + `" -j DNAT --to-destination 192.168.100.10:22`,
		`-A REWIRE-POSTROUTING -s fd00:1::/64 ! -d fd00:1::/64 -m comment --comment "rewire:v6net" -j MASQUERADE`,
	} {
		if !strings.Contains(now, want+"\n") {
			t.Errorf("iptables-save lacks %q:\n%s", want, now)
		}
	}
	// The port forward's accept must come before the bridge's rejects.
	fw := strings.Index(now, "-A REWIRE-FORWARD -d 192.168.100.10/32")
	rej := strings.Index(now, "-A REWIRE-FORWARD -o virbr1")
	if fw < 0 || rej < 0 || fw > rej {
		t.Errorf("port forward accept is not ahead of the reject rules:\n%s", now)
	}
	// Every rule the binding wrote reads back verbatim (undo relies on it).
	for _, st := range s.Current().Steps() {
		var p plan
		if err := json.Unmarshal(st.Data, &p); err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Rules {
			if !strings.Contains(now, r.Line()+"\n") {
				t.Errorf("%s rule not found verbatim in the save: %s", r.Family, r.Line())
			}
		}
	}
	all, err := List(s.Target, false)
	if err != nil || len(all) != 3+8+2+1+8+2 {
		t.Fatalf("list: %d rules, %v", len(all), err)
	}
	if rep := s.Rollback(); rep.Err() != nil {
		t.Fatal(rep.Err())
	}
	if after := saved(t, s.Target); after != before {
		t.Fatalf("iptables-save after rollback differs:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// libvirtAndDocker is a host's ruleset before rewire: libvirt's chains for
// virbr0 and Docker's FORWARD policy DROP.
const libvirtAndDocker = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:LIBVIRT_FWO - [0:0]
:DOCKER - [0:0]
-A FORWARD -j LIBVIRT_FWO
-A FORWARD -o docker0 -j DOCKER
-A LIBVIRT_FWO -s 192.168.122.0/24 -i virbr0 -j ACCEPT
-A LIBVIRT_FWO -i virbr0 -j REJECT --reject-with icmp-port-unreachable
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:LIBVIRT_PRT - [0:0]
-A POSTROUTING -j LIBVIRT_PRT
-A LIBVIRT_PRT -s 192.168.122.0/24 ! -d 192.168.122.0/24 -j MASQUERADE
COMMIT
`

func TestLivesNextToLibvirtAndDockerAndWarns(t *testing.T) {
	s := newSession(t)
	addLink(t, s.Target, "virbr1")
	if _, err := s.Target.Run([]byte(libvirtAndDocker), "iptables-restore"); err != nil {
		t.Fatal(err)
	}
	before := saved(t, s.Target)
	res, err := Forward(s, "virbr1", "192.168.100.0/24", "net1")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "FORWARD policy is DROP") {
		t.Fatalf("no warning about FORWARD policy DROP: %q", res.Warnings)
	}
	now := saved(t, s.Target)
	if !strings.Contains(now, "-A FORWARD -j REWIRE-FORWARD\n-A FORWARD -j LIBVIRT_FWO\n") {
		t.Fatalf("rewire's jump is not first in FORWARD:\n%s", now)
	}
	for _, line := range strings.Split(before, "\n") {
		if strings.HasPrefix(line, "-A LIBVIRT") || strings.HasPrefix(line, "-A FORWARD -o docker0") {
			if !strings.Contains(now, line+"\n") {
				t.Errorf("libvirt/Docker rule changed: %s", line)
			}
		}
	}
	if _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	// A second transaction into the existing chains, rolled back, leaves the first one's.
	if _, err := Masquerade(s, "192.168.100.0/24", "", "net1"); err != nil {
		t.Fatal(err)
	}
	if rep := s.Rollback(); rep.Err() != nil {
		t.Fatal(rep.Err())
	}
	if after := saved(t, s.Target); after != now {
		t.Fatalf("rollback of the second transaction touched the first:\nwant:\n%s\ngot:\n%s", now, after)
	}
	// Removing by tag, then rolling back, puts the rules back in place.
	n, err := Remove(s, "net1")
	if err != nil || n != 8 {
		t.Fatalf("remove: %d, %v", n, err)
	}
	if l, _ := List(s.Target, false); len(l) != 0 {
		t.Fatalf("rules left after remove: %v", l)
	}
	if rep := s.Rollback(); rep.Err() != nil {
		t.Fatal(rep.Err())
	}
	if after := saved(t, s.Target); after != now {
		t.Fatalf("rollback of remove did not restore the rules in place:\nwant:\n%s\ngot:\n%s", now, after)
	}
}

func TestAddingTwiceAddsNothing(t *testing.T) {
	s := newSession(t)
	if _, err := Masquerade(s, "10.9.0.0/16", "", "t"); err != nil {
		t.Fatal(err)
	}
	res, err := Masquerade(s, "10.9.0.0/16", "", "t")
	if err != nil || res.Added != 0 {
		t.Fatalf("second masquerade: %+v %v", res, err)
	}
	if n := len(s.Current().Steps()); n != 1 {
		t.Fatalf("%d changes, want 1", n)
	}
}
