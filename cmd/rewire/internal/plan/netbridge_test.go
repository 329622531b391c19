package plan

import (
	"context"
	"strings"
	"testing"

	"rewire/bindings/modules"
	"rewire/bindings/tx"
	"rewire/bindings/virtnet"
	"rewire/lua/engine"
)

// A recipe that defines and starts a libvirt network and then works on
// its bridge plans as it runs: the network changes happen on the plan's
// copy of the networks, and its bridge appears in the replica as libvirtd
// would make it. The host and the libvirt it names stay as they were.
func TestPlanFollowsANetworkItStarts(t *testing.T) {
	host := kvmHost(t)
	host.LibvirtURI = "test:///default"
	before := netState(t, host)
	nets, err := virtnet.List(host)
	must(t, err)
	mods := func(s *tx.Session) []engine.Module { return append(modules.Kernel(s), virtnet.Module(s)) }
	p, err := Make(context.Background(), host, Options{Modules: mods, Chunk: `
		network.define([[<network><name>iso</name><bridge name='virbr9' stp='on' delay='0'/>
		  <ip address='172.16.9.1' netmask='255.255.255.0'/></network>]])
		network.start("iso")
		assert(link.get("virbr9").up, "the network's bridge is up")
		assert(#addr.list("virbr9") >= 1, "the network's address is on its bridge")
		bridge.add_port("virbr9", "eth1")
	`})
	must(t, err)
	var out strings.Builder
	p.Write(&out)
	t.Logf("plan:\n%s", out.String())
	if p.Err != nil {
		t.Fatalf("plan error: %s", p.Error)
	}
	var descs []string
	for _, s := range p.Steps {
		descs = append(descs, s.Desc)
	}
	if got := strings.Join(descs, "; "); got != "define network iso; start network iso; set link eth1 master virbr9 up" {
		t.Errorf("steps: %s", got)
	}
	if after := netState(t, host); after != before {
		t.Errorf("the plan changed the host:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if after, err := virtnet.List(host); err != nil || len(after) != len(nets) {
		t.Errorf("the plan changed the host's libvirt networks: %v -> %v (%v)", nets, after, err)
	}
}
