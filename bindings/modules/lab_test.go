package modules

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/lua/engine"
	"rewire/lua/script"
)

// testHost is the lab in miniature: a host namespace whose eth0
// (10.0.0.111/24, default via 10.0.0.1) is a veth to a port of the LAN
// namespace's bridge, which holds 10.0.0.1/24.
type testHost struct {
	host, lan *target.Target
	store     *tx.Store
}

func newTestHost(t *testing.T) *testHost {
	t.Helper()
	hl := nstest.NewHostLAN(t, nstest.LabSpec())
	h := &testHost{host: hl.Host, lan: hl.LAN}
	var err error
	if h.store, err = tx.OpenStore(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *testHost) session() *tx.Session {
	return &tx.Session{Store: h.store, Target: h.host, Script: "test"}
}

// run executes a recipe through the engine as `rewire run` does.
func (h *testHost) run(t *testing.T, s *tx.Session, o script.Options) (*script.Result, string) {
	t.Helper()
	var out bytes.Buffer
	e := engine.New(&out, Kernel(s)...)
	defer e.Close()
	return script.Run(context.Background(), s, e, o), out.String()
}

// snapshot is the state exactness is judged on: `ip -d -j link`,
// `ip -j addr`, `ip -j route show table all` and ip_forward. Interface
// statistics are dropped (traffic changes them), and so is ifindex: a
// bridge deleted on rollback and a fresh one differ only there.
func (h *testHost) snapshot(t *testing.T) string {
	t.Helper()
	var parts []string
	for _, args := range [][]string{{"-d", "-j", "link"}, {"-j", "addr"}, {"-j", "route", "show", "table", "all"}, {"-6", "-j", "route", "show", "table", "all"}} {
		out, err := h.host.Run(nil, "ip", args...)
		if err != nil {
			t.Fatal(err)
		}
		var v []map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("ip %v: %v", args, err)
		}
		for _, m := range v {
			delete(m, "stats64")
			delete(m, "stats")
			for _, ai := range asList(m["addr_info"]) {
				// DAD of an IPv6 link-local address may still be running.
				delete(ai, "tentative")
			}
		}
		b, _ := json.Marshal(v)
		parts = append(parts, string(b))
	}
	fwd, err := h.host.Run(nil, "cat", "/proc/sys/net/ipv4/ip_forward")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(parts, "\n") + "\nip_forward=" + string(fwd)
}

func asList(v any) []map[string]any {
	l, _ := v.([]any)
	var out []map[string]any
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// lanReaches pings ip from the LAN namespace.
func (h *testHost) lanReaches(ip string) bool {
	_, err := h.lan.Run(nil, "busybox", "ping", "-c", "1", "-W", "2", ip)
	return err == nil
}
