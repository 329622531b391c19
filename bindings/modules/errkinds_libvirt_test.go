//go:build cgo

package modules

import (
	"os"
	"path/filepath"
	"testing"

	"rewire/bindings/tx"
	"rewire/bindings/virtconn"
	"rewire/bindings/virtnet"
	"rewire/lua/engine"
)

// The network module on libvirt's test driver (no libvirtd needed).
func init() {
	withLibvirt = func(t *testing.T, h *testHost) (func(*tx.Session) engine.Module, []kindCase) {
		raw, err := os.ReadFile("../../testdata/libvirt/node.xml")
		if err != nil {
			t.Fatal(err)
		}
		node := filepath.Join(t.TempDir(), "node.xml")
		if err := os.WriteFile(node, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		h.host.LibvirtURI = "test://" + node
		t.Cleanup(func() { virtconn.Disconnect(h.host.LibvirtURI) })
		return virtnet.Module, []kindCase{
			{"network", "unknown option", `network.add_dhcp_host("default", {mac = "52:54:00:00:00:42", ip = "192.168.122.42", nmae = "x"})`, "invalid"},
			{"network", "bad XML", `network.define("<network><name>")`, "invalid"},
			{"network", "bad MAC", `network.add_dhcp_host("default", {mac = "zz", ip = "192.168.122.42"})`, "invalid"},
			{"network", "missing network", `network.get("nope")`, "not_found"},
			{"network", "start missing", `network.start("nope")`, "not_found"},
			{"network", "undefine missing", `network.undefine("nope")`, "not_found"},
			{"network", "missing host", `network.remove_dhcp_host("default", "52:54:00:00:00:99")`, "not_found"},
			{"network", "setup", `network.dhcp_host_add("default", {mac = "52:54:00:00:00:42", ip = "192.168.122.42"})`, ""},
			{"network", "existing host", `network.add_dhcp_host("default", {mac = "52:54:00:00:00:42", ip = "192.168.122.43"})`, "exists"},
		}
	}
}
