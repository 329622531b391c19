package bridge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"rewire/bindings/bridge"
	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// newSession is a transaction on a fresh namespace with no IPv6 duplicate
// address detection (its timer would change address flags mid-compare).
func newSession(t *testing.T) *tx.Session {
	t.Helper()
	tg := nstest.New(t)
	if err := tg.Do(func() error {
		// The kernel uses the larger of all's and the link's setting.
		for _, c := range []string{"all", "default"} {
			if err := os.WriteFile("/proc/sys/net/ipv6/conf/"+c+"/accept_dad", []byte("0"), 0o644); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	st, err := tx.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &tx.Session{Store: st, Target: tg, Script: "test"}
}

// sh runs `ip` command lines in tg.
func sh(t *testing.T, tg *target.Target, lines ...string) {
	t.Helper()
	for _, l := range lines {
		f := strings.Fields(l)
		if out, err := tg.Run(nil, f[0], f[1:]...); err != nil {
			t.Fatalf("%s: %v: %s", l, err, out)
		}
	}
}

// lua runs src with the bridge module, as a recipe would.
func lua(s *tx.Session, src string) *engine.Error {
	e := engine.New(nil, bridge.Module(s))
	defer e.Close()
	return e.DoString(context.Background(), src, "t.lua")
}

// state is what exactness is judged on: `ip -d -j link`, `ip -j addr` and
// `ip -j route show table all` (v4 and v6), without what the kernel
// changes by itself: ifindex (a recreated bridge gets a new one, and so
// comes last), counters and the running STP timers.
func state(t *testing.T, tg *target.Target) string {
	t.Helper()
	var parts []string
	for _, args := range [][]string{{"-d", "-j", "link"}, {"-j", "addr"}, {"-j", "route", "show", "table", "all"}, {"-6", "-j", "route", "show", "table", "all"}} {
		out, err := tg.Run(nil, "ip", args...)
		if err != nil {
			t.Fatalf("ip %v: %v", args, err)
		}
		var v []map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("ip %v: %v", args, err)
		}
		for _, m := range v {
			dropVolatile(m)
		}
		if args[len(args)-1] != "all" {
			// By name: a recreated link comes last in ifindex order.
			sort.SliceStable(v, func(i, j int) bool { return fmt.Sprint(v[i]["ifname"]) < fmt.Sprint(v[j]["ifname"]) })
		}
		b, _ := json.MarshalIndent(v, "", " ")
		parts = append(parts, string(b))
	}
	return strings.Join(parts, "\n")
}

func dropVolatile(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "ifindex" || k == "link_index" || strings.HasPrefix(k, "stats") || strings.HasSuffix(k, "_timer") {
				delete(x, k)
				continue
			}
			dropVolatile(e)
		}
	case []any:
		for _, e := range x {
			dropVolatile(e)
		}
	}
}

// oneLine checks a primitive's error: one line, of kind, naming object.
func oneLine(t *testing.T, err *engine.Error, kind, object string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want a %s error naming %s", kind, object)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error is more than one line: %q", msg)
	}
	if err.Kind != kind || err.Object != object || !strings.Contains(msg, object) {
		t.Errorf("error %q: kind %q object %q, want kind %q naming %q", msg, err.Kind, err.Object, kind, object)
	}
}
