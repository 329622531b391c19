package modules

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"rewire/bindings/tx"
	"rewire/lua/engine"
	"rewire/lua/script"
)

// kindCase is one call a script might pcall, and the err.kind it must see
// ("" = the call must succeed: a step the later cases build on).
type kindCase struct{ module, what, call, kind string }

// kindCases covers, per module, an unknown option, a bad value, a missing
// object and an existing one, where the module has them. D is a scratch
// directory; kb0 a bridge with 192.168.150.1/24 that the setup makes.
func kindCases(dir string) []kindCase {
	D := fmt.Sprintf("%q", dir)
	return []kindCase{
		{"link", "unknown option", `link.set("eth0", {mtuu = 1400})`, "invalid"},
		{"link", "wrong type", `link.set("eth0", {up = "yes"})`, "invalid"},
		{"link", "bad MTU", `link.set("eth0", {mtu = 10})`, "invalid"},
		{"link", "bad MAC", `link.set("eth0", {mac = "52:54:00:zz:00:01"})`, "invalid"},
		{"link", "missing link", `link.get("nope0")`, "not_found"},
		{"link", "set missing link", `link.set("nope0", {up = true})`, "not_found"},
		{"link", "missing master", `link.set("eth0", {master = "nope0"})`, "not_found"},
		{"link", "delete missing", `link.delete("nope0")`, "not_found"},
		{"link", "delete a veth", `link.delete("eth0")`, "invalid"},

		{"bridge", "setup", `bridge.create("kb0"); addr.add("kb0", "192.168.150.1/24")`, ""},
		{"bridge", "unknown option", `bridge.create("kb1", {fwd_delay = 0})`, "invalid"},
		{"bridge", "options not a table", `bridge.create("kb1", "stp")`, "invalid"},
		{"bridge", "bad forward_delay", `bridge.create("kb1", {forward_delay = 99})`, "invalid"},
		{"bridge", "bad MAC", `bridge.create("kb1", {mac = "zz"})`, "invalid"},
		{"bridge", "bad name", `bridge.create("bad/name")`, "invalid"},
		{"bridge", "create existing bridge", `bridge.create("kb0")`, "exists"},
		{"bridge", "create over a NIC", `bridge.create("eth0")`, "exists"},
		{"bridge", "missing port", `bridge.add_port("kb0", "eth9")`, "not_found"},
		{"bridge", "missing bridge", `bridge.add_port("nope0", "eth0")`, "not_found"},
		{"bridge", "get missing", `bridge.get("nope0")`, "not_found"},
		{"bridge", "not a port", `bridge.remove_port("kb0", "eth0")`, "not_found"},
		{"bridge", "delete missing", `bridge.delete("nope0")`, "not_found"},
		{"bridge", "not a bridge", `bridge.get("eth0")`, "invalid"},
		{"link", "rename onto an existing name", `link.set("kb0", {name = "eth0"})`, "exists"},
		{"link", "eth0 untouched by the refused rename", `assert(link.get("eth0").up and link.get("kb0").up)`, ""},

		{"addr", "unknown option", `addr.move("eth0", "kb0", {macc = true})`, "invalid"},
		{"addr", "bad CIDR", `addr.add("eth0", "10.0.0.300/24")`, "invalid"},
		{"addr", "no prefix", `addr.add("eth0", "10.0.0.5")`, "invalid"},
		{"addr", "move onto itself", `addr.move("eth0", "eth0")`, "invalid"},
		{"addr", "missing device", `addr.add("nope0", "10.9.0.1/24")`, "not_found"},
		{"addr", "missing address", `addr.remove("eth0", "10.9.9.9/24")`, "not_found"},
		{"addr", "flush missing device", `addr.flush("nope0")`, "not_found"},
		{"addr", "existing address", `addr.add("eth0", "10.0.0.111/24")`, "exists"},

		{"route", "unknown option", `route.add{dst = "10.5.0.0/16", gw = "10.0.0.1"}`, "invalid"},
		{"route", "wrong type", `route.list{table = "main"}`, "invalid"},
		{"route", "bad destination", `route.add{dst = "10.5.0.0/33", gateway = "10.0.0.1"}`, "invalid"},
		{"route", "bad gateway", `route.add{dst = "default", gateway = "10.0.0.999"}`, "invalid"},
		{"route", "missing route", `route.remove{dst = "10.99.0.0/16"}`, "not_found"},
		{"route", "missing device", `route.add{dst = "10.5.0.0/16", dev = "nope0"}`, "not_found"},
		{"route", "existing route", `route.add{dst = "default", gateway = "10.0.0.1", dev = "eth0"}`, "exists"},

		{"sysctl", "bad key", `sysctl.get("net..ipv4")`, "invalid"},
		{"sysctl", "bad value", `sysctl.set("net.ipv4.ip_forward", "abc")`, "invalid"},
		{"sysctl", "missing key", `sysctl.get("net.ipv4.nope")`, "not_found"},
		{"sysctl", "set missing key", `sysctl.set("net.ipv4.nope", "1")`, "not_found"},

		{"vlan", "unknown option", `vlan.create("eth0", 10, {nmae = "v10"})`, "invalid"},
		{"vlan", "bad id", `vlan.create("eth0", 5000)`, "invalid"},
		{"vlan", "missing parent", `vlan.create("nope0", 10)`, "not_found"},
		{"vlan", "get missing", `vlan.get("nope0")`, "not_found"},
		{"vlan", "delete missing", `vlan.delete("nope0")`, "not_found"},
		{"vlan", "existing name", `vlan.create("eth0", 10, {name = "kb0"})`, "exists"},
		{"vlan", "not a VLAN", `vlan.get("eth0")`, "invalid"},

		{"bond", "unknown option", `bond.create("bond0", {mdoe = 1})`, "invalid"},
		{"bond", "bad mode", `bond.create("bond0", {mode = "fastest"})`, "invalid"},
		{"bond", "bad delay", `bond.create("bond0", {miimon = 100, updelay = 150})`, "invalid"},
		{"bond", "slave twice", `bond.create("bond0", {slaves = {"eth0", "eth0"}})`, "invalid"},
		{"bond", "missing bond", `bond.add_slave("bond9", "eth0")`, "not_found"},
		{"bond", "set missing bond", `bond.set("bond9", {miimon = 100})`, "not_found"},
		{"bond", "delete missing bond", `bond.delete("bond9")`, "not_found"},
		{"bond", "existing name", `bond.create("kb0")`, "exists"},
		{"bond", "not a bond", `bond.set("kb0", {miimon = 100})`, "invalid"},

		{"nat", "unknown option", `nat.masquerade("192.168.150.0/24", {uot = "eth0"})`, "invalid"},
		{"nat", "unknown forward key", `nat.port_forward{proto = "tcp", port = 2222, to = "192.168.150.10:22", prot = "x"}`, "invalid"},
		{"nat", "bad subnet", `nat.masquerade("192.168.150.0/33")`, "invalid"},
		{"nat", "bad protocol", `nat.port_forward{proto = "icmp", port = 1, to = "192.168.150.10"}`, "invalid"},
		{"nat", "bad port in a list", `nat.port_forward{{proto = "tcp", port = 99999, to = "192.168.150.10"}}`, "invalid"},
		{"nat", "missing tag", `nat.remove("nothing-here")`, "not_found"},
		{"nat", "missing bridge", `nat.forward("nope0", "192.168.150.0/24")`, "not_found"},
		{"nat", "missing uplink", `nat.masquerade("192.168.150.0/24", {out = "nope0"})`, "not_found"},

		{"dnsmasq", "unknown option", `dnsmasq.serve("kb0", {range = "192.168.150.10-192.168.150.20", routr = "192.168.150.1"})`, "invalid"},
		{"dnsmasq", "bad range", `dnsmasq.serve("kb0", {range = "192.168.150.10-10.0.0.300"})`, "invalid"},
		{"dnsmasq", "no range", `dnsmasq.serve("kb0", {})`, "invalid"},
		{"dnsmasq", "bad host", `dnsmasq.serve("kb0", {range = "192.168.150.10-192.168.150.20", hosts = {{mac = "zz", ip = "192.168.150.11"}}})`, "invalid"},
		{"dnsmasq", "missing bridge", `dnsmasq.serve("nope0", {range = "192.168.150.10-192.168.150.20"})`, "not_found"},
		{"dnsmasq", "not served", `dnsmasq.reserve("eth0", "52:54:00:00:00:42", "10.0.0.42")`, "not_found"},
		{"dnsmasq", "missing lease file", `dnsmasq.list_leases(` + fmt.Sprintf("%q", filepath.Join(dir, "no.leases")) + `)`, "not_found"},
		{"dnsmasq", "setup", `dnsmasq.serve("kb0", {range = "192.168.150.10-192.168.150.20"})`, ""},
		{"dnsmasq", "serve twice", `dnsmasq.serve("kb0", {range = "192.168.150.10-192.168.150.20"})`, "exists"},
		{"dnsmasq", "bad MAC", `dnsmasq.reserve("kb0", "zz", "192.168.150.11")`, "invalid"},
		{"dnsmasq", "missing reservation", `dnsmasq.unreserve("kb0", "52:54:00:00:00:99")`, "not_found"},

		{"exec", "unknown option", `exec.run({"true"}, {stdn = ""})`, "invalid"},
		{"exec", "argv not a list", `exec.run("true")`, "invalid"},
		{"exec", "argv not strings", `exec.run({"true", 3})`, "invalid"},
		{"exec", "after changes", `exec.run({"true"})`, "invalid"},
		{"exec", "missing program", `exec.run({"no-such-program-rw"}, {irreversible = true})`, "not_found"},

		{"files", "unknown option", `files.write(` + D + ` .. "/a", "x", {mod = "0644"})`, "invalid"},
		{"files", "bad mode", `files.write(` + D + ` .. "/a", "x", {mode = "9999"})`, "invalid"},
		{"files", "relative path", `files.read("relative/path")`, "invalid"},
		{"files", "a directory", `files.read(` + D + `)`, "invalid"},
		{"files", "missing file", `files.read(` + D + ` .. "/nope")`, "not_found"},
		{"files", "remove missing file", `files.remove(` + D + ` .. "/nope")`, "not_found"},

		{"persist", "unknown option", `persist.save({dryrun = true})`, "invalid"},
		{"persist", "devices not a list", `persist.save({devices = 3})`, "invalid"},
		{"persist", "missing device", `persist.save({devices = {"nope0"}, dry_run = true})`, "not_found"},

		{"probe", "unknown option", `probe.ping("10.0.0.1", {timout = 100})`, "invalid"},
		{"probe", "bad address", `probe.ping("10.0.0.300")`, "invalid"},
		{"probe", "bad port", `probe.tcp("10.0.0.1:99999")`, "invalid"},
		{"probe", "bad timeout", `probe.ping("10.0.0.1", {timeout = -1})`, "invalid"},
		{"probe", "missing device", `probe.arp("10.0.0.1", "nope0")`, "not_found"},
	}
}

// withLibvirt, set where cgo builds libvirt's bindings, wires the
// network module to libvirt's test driver and adds its cases.
var withLibvirt func(t *testing.T, h *testHost) (func(*tx.Session) engine.Module, []kindCase)

// allModules is every module the CLI wires but domain and network: the
// kernel ones, nat, dnsmasq, exec, files, and extra (libvirt networks).
func allModules(s *tx.Session, extra ...func(*tx.Session) engine.Module) []engine.Module {
	ms := Kernel(s)
	for _, m := range extra {
		ms = append(ms, m(s))
	}
	return ms
}

// kindsChunk runs every case under pcall and prints, per case, its index,
// what it raised (kind, or "ok") and the error's line.
func kindsChunk(cases []kindCase) string {
	var b strings.Builder
	b.WriteString("local function try(i, f)\n" +
		"  local ok, e = pcall(f)\n" +
		"  if ok then print('case', i, 'ok', '') return end\n" +
		"  if type(e) ~= 'table' then print('case', i, 'untyped', tostring(e)) return end\n" +
		"  print('case', i, e.kind, tostring(e))\n" +
		"end\n")
	for i, c := range cases {
		fmt.Fprintf(&b, "try(%d, function() %s end)\n", i, c.call)
	}
	b.WriteString("error('all cases ran')\n") // roll everything back
	return b.String()
}

// Through the real engine, in a fresh namespace, every module's bad input
// reaches a script's pcall with the kind the README documents.
func TestEveryModuleRaisesTheDocumentedKind(t *testing.T) {
	h := newTestHost(t)
	cases := kindCases(t.TempDir())
	var extra []func(*tx.Session) engine.Module
	if withLibvirt != nil {
		m, more := withLibvirt(t, h)
		extra, cases = append(extra, m), append(cases, more...)
	} else {
		t.Log("built without cgo: the network module's cases are left out")
	}
	before := h.snapshot(t)

	s := h.session()
	var out bytes.Buffer
	e := engine.New(&out, allModules(s, extra...)...)
	defer e.Close()
	e.Grant(engine.Caps{engine.CapExec: true, engine.CapFiles: true})
	res := script.Run(context.Background(), s, e, script.Options{Chunk: kindsChunk(cases)})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "all cases ran") || res.State != tx.StateRolledBack {
		var steps []string
		for _, st := range res.Steps {
			steps = append(steps, fmt.Sprintf("%d %s undone=%v", st.Seq, st.Desc, st.Undone))
		}
		t.Fatalf("run: %v (%s): %v\nsteps: %s", res.Err, res.State, res.Rollback.Err(), strings.Join(steps, "; "))
	}
	got := map[int][2]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.SplitN(line, "\t", 4)
		if len(f) == 4 && f[0] == "case" {
			var i int
			fmt.Sscan(f[1], &i)
			got[i] = [2]string{f[2], f[3]}
		}
	}
	for i, c := range cases {
		want := c.kind
		if want == "" {
			want = "ok"
		}
		g, ran := got[i]
		switch {
		case !ran:
			t.Errorf("%s %s: did not run", c.module, c.what)
		case g[0] != want:
			t.Errorf("%s %s: %s raised kind %s, want %s (%s)", c.module, c.what, c.call, g[0], want, g[1])
		case want != "ok" && !strings.Contains(g[1], c.module+"."):
			t.Errorf("%s %s: the error does not name its operation: %s", c.module, c.what, g[1])
		}
	}
	if after := h.snapshot(t); after != before {
		t.Fatalf("the run's rollback left the host changed:\nbefore %s\nafter  %s", before, after)
	}
}

// Without the grant, exec and files say denied.
func TestUngrantedCapabilityIsDenied(t *testing.T) {
	h := newTestHost(t)
	s := h.session()
	var out bytes.Buffer
	e := engine.New(&out, allModules(s)...)
	defer e.Close()
	res := script.Run(context.Background(), s, e, script.Options{Chunk: `
		local _, a = pcall(exec.run, {"true"})
		local _, b = pcall(files.read, "/etc/hostname")
		print(a.kind, a.op, b.kind, b.op)`})
	if res.Err != nil || strings.TrimSpace(out.String()) != "denied\texec.run\tdenied\tfiles.read" {
		t.Fatalf("got %v %q", res.Err, out.String())
	}
}
