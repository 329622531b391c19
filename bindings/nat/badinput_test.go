package nat

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"rewire/bindings/tx"
	"rewire/lua/engine"
)

func TestBadInputIsOneLineAndChangesNothing(t *testing.T) {
	s := newSession(t)
	addLink(t, s.Target, "eth0")
	addLink(t, s.Target, "virbr1")
	if _, err := s.Target.Run([]byte(libvirtAndDocker), "iptables-restore"); err != nil {
		t.Fatal(err)
	}
	before := saved(t, s.Target)
	cases := []struct {
		name string
		do   func() error
		want string
		kind string
	}{
		{"bad CIDR", func() error { _, err := Masquerade(s, "192.168.100.0/33", "", ""); return err }, `bad subnet "192.168.100.0/33"`, engine.KindInvalid},
		{"not a CIDR", func() error { _, err := Forward(s, "virbr1", "virbr1", ""); return err }, `bad subnet "virbr1"`, engine.KindInvalid},
		{"unknown uplink", func() error { _, err := Masquerade(s, "192.168.100.0/24", "eth9", ""); return err }, "no such interface eth9", engine.KindNotFound},
		{"unknown bridge", func() error { _, err := Forward(s, "virbr9", "192.168.100.0/24", ""); return err }, "no such interface virbr9", engine.KindNotFound},
		{"bad tag", func() error { _, err := Masquerade(s, "192.168.100.0/24", "", `x" -j ACCEPT`); return err }, "bad tag", engine.KindInvalid},
		{"port 0", func() error { return pf(s, "tcp", "0", "192.168.100.10:22") }, `bad port "0"`, engine.KindInvalid},
		{"port too big", func() error { return pf(s, "tcp", "65536", "192.168.100.10:22") }, `bad port "65536"`, engine.KindInvalid},
		{"backwards range", func() error { return pf(s, "udp", "2010-2000", "192.168.100.10") }, `bad port "2010-2000"`, engine.KindInvalid},
		{"to port too big", func() error { return pf(s, "tcp", "2222", "192.168.100.10:70000") }, `bad port "70000"`, engine.KindInvalid},
		{"bad proto", func() error { return pf(s, "icmp", "2222", "192.168.100.10:22") }, `bad protocol "icmp"`, engine.KindInvalid},
		{"bad address", func() error { return pf(s, "tcp", "2222", "192.168.100.300:22") }, `bad destination "192.168.100.300:22"`, engine.KindInvalid},
		{"ranges differ", func() error { return pf(s, "tcp", "2000-2010", "192.168.100.10:3000-3001") }, "differ in size", engine.KindInvalid},
		{"remove unknown tag", func() error { _, err := Remove(s, "nothing-here"); return err }, "no rules tagged rewire:nothing-here", engine.KindNotFound},
	}
	for _, c := range cases {
		err := c.do()
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: want one line with %q, got %v", c.name, c.want, err)
			continue
		}
		if k := engine.KindOf(err); k != c.kind {
			t.Errorf("%s: kind %s, want %s", c.name, k, c.kind)
		}
	}
	// A host without iptables gets one line naming the missing tool.
	path := os.Getenv("PATH")
	t.Setenv("PATH", t.TempDir())
	if _, err := Masquerade(s, "192.168.100.0/24", "", ""); err == nil || !strings.Contains(err.Error(), "iptables-save is not installed") {
		t.Errorf("missing iptables: %v", err)
	}
	os.Setenv("PATH", path)
	if tx := s.Current(); tx != nil && tx.Live() != 0 {
		t.Errorf("%d changes recorded for bad input", tx.Live())
	}
	if after := saved(t, s.Target); after != before {
		t.Fatalf("bad input changed the rules:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func pf(s *tx.Session, proto, port, to string) error {
	_, err := AddPortForward(s, PortForward{Proto: proto, Port: port, To: to})
	return err
}

func TestLuaModuleWarnsAndRaisesOneLine(t *testing.T) {
	s := newSession(t)
	addLink(t, s.Target, "virbr1")
	if _, err := s.Target.Run([]byte(libvirtAndDocker), "iptables-restore"); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	e := engine.New(&out, Module(s))
	defer e.Close()
	if err := e.DoString(context.Background(), `
		local tag = nat.forward("virbr1", "192.168.100.0/24", { tag = "lab" })
		assert(tag == "lab", tag)
		local rules = nat.list()
		assert(#rules == 8, #rules)
		assert(rules[1].tag == "lab")
		assert(#nat.list{ all = true } > 8)
		assert(nat.remove("lab") == 8)
		nat.masquerade("10.1.0.0/16", { tag = "m" })
	`, "t.lua"); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "warning: ipv4 FORWARD policy is DROP"); n != 1 {
		t.Errorf("FORWARD DROP warned %d times, want once: %q", n, out.String())
	}
	err := e.DoString(context.Background(), `nat.forward_port{ proto = "tcp", port = 99999, to = "192.168.100.10:22" }`, "pf.lua")
	if err == nil || err.Error() != `pf.lua:1: nat.forward_port 99999 192.168.100.10:22: bad port "99999" (1-65535, or a range such as 2000-2010)` {
		t.Errorf("error line: %v", err)
	}
	err = e.DoString(context.Background(), `nat.masquerade("10.1.0.0/16", { uot = "eth0" })`, "m.lua")
	if err == nil || err.Kind != engine.KindInvalid || !strings.Contains(err.Error(), "unknown option uot") {
		t.Errorf("typo in options: %v", err)
	}
}
