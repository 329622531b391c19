package nat

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"rewire/lua/engine"
)

// A list of port forwards goes in as one batch per family and one
// journaled change; a bad forward anywhere in the list is named by its
// position and nothing goes in; rollback leaves the rules as they were.
func TestPortForwardListIsOneChange(t *testing.T) {
	s := newSession(t)
	before := saved(t, s.Target)
	var out bytes.Buffer
	e := engine.New(&out, Module(s))
	defer e.Close()

	err := e.DoString(context.Background(), `nat.forward_port{
		{ proto = "tcp", port = 2201, to = "192.168.100.10:22" },
		{ proto = "tcp", port = 2202, to = "192.168.100.11:99999" },
	}`, "bad.lua")
	want := `bad.lua:1: nat.forward_port 2 forwards: port forward #2 (tcp 2202 -> 192.168.100.11:99999): bad port "99999"`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error line:\n got %v\nwant %s...", err, want)
	}
	if got := saved(t, s.Target); got != before {
		t.Fatalf("a refused list changed the rules:\n%s", got)
	}

	if err := e.DoString(context.Background(), `
		local tags = nat.port_forward{
			{ proto = "tcp", port = 2201, to = "192.168.100.10:22" },
			{ proto = "udp", port = "5000-5001", to = "192.168.100.11", tag = "games" },
			{ proto = "tcp", port = 8443, to = "[fd00::10]:443" },
		}
		assert(#tags == 3 and tags[2] == "games", #tags)
		assert(#nat.list() == 6, #nat.list())
	`, "ok.lua"); err != nil {
		t.Fatal(err)
	}
	steps := s.Current().Steps()
	if len(steps) != 2 || steps[0].Desc != "2 ipv4 port forwards" || steps[1].Desc != "1 ipv6 port forward" {
		for _, st := range steps {
			t.Log(st.Desc)
		}
		t.Fatalf("want one change per family, got %d", len(steps))
	}
	if rep := s.Rollback(); rep.Err() != nil {
		t.Fatal(rep.Err())
	}
	if got := saved(t, s.Target); got != before {
		t.Fatalf("rollback left:\n%s\nwant:\n%s", got, before)
	}
}
