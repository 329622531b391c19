package modules

import (
	"rewire/lua/script"
	"strings"
	"testing"
)

// Every bad input gives one clear line naming the object, and the host is
// left exactly as it was.
func TestBadInputIsOneLineAndChangesNothing(t *testing.T) {
	cases := []struct {
		name, chunk, want string
	}{
		{"unknown interface", `bridge.create("br0"); bridge.add_port("br0", "eth9")`, "bridge.add_port br0 eth9: eth9: no such interface"},
		{"bad CIDR", `addr.add("eth0", "10.0.0.300/24")`, `addr.add eth0 10.0.0.300/24: bad CIDR "10.0.0.300/24"`},
		{"CIDR without prefix", `addr.add("eth0", "10.0.0.5")`, "want address/prefix"},
		{"bad MAC", `link.set("eth0", {mac = "52:54:00:zz:00:01"})`, `link.set eth0: bad MAC address "52:54:00:zz:00:01"`},
		{"unknown option", `bridge.create("br0", {fwd_delay = 0})`, "bridge.create br0: unknown option fwd_delay"},
		{"syntax error", `bridge.create("br0"`, "(command line)"},
		{"error mid-script", `bridge.create("br0"); addr.move("eth0", "br0"); error("stop here")`, "stop here"},
		{"unknown sysctl", `sysctl.set("net.ipv4.nope", "1")`, "sysctl.set net.ipv4.nope: no such sysctl"},
		{"bad route", `route.add({dst = "default", gateway = "10.0.0.999"})`, `bad gateway "10.0.0.999"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newTestHost(t)
			before := h.snapshot(t)
			res, _ := h.run(t, h.session(), script.Options{Chunk: c.chunk})
			if res.Err == nil {
				t.Fatal("want an error")
			}
			msg := res.Err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, c.want) {
				t.Fatalf("error %q: want one line containing %q", msg, c.want)
			}
			if after := h.snapshot(t); after != before {
				t.Fatalf("bad input changed the host:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func TestErrorCarriesScriptPositionAndKind(t *testing.T) {
	h := newTestHost(t)
	res, _ := h.run(t, h.session(), script.Options{Chunk: "\n\nlink.set('nope0', {up = true})"})
	if res.Err == nil || res.Err.Where != "(command line):3:" || res.Err.Kind != "not_found" {
		t.Fatalf("got %+v", res.Err)
	}
	// pcall sees the structured error and the script goes on.
	res, out := h.run(t, h.session(), script.Options{Chunk: `
		local ok, e = pcall(link.get, "nope0")
		print(ok, e.kind, e.op, e.object)`})
	if res.Err != nil || strings.TrimSpace(out) != "false\tnot_found\tlink.get\tnope0" {
		t.Fatalf("pcall: %v %q", res.Err, out)
	}
}
