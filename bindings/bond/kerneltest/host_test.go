package kerneltest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"rewire/bindings/probe"
	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
	"rewire/bindings/tx"
	"rewire/lua/engine"
	"rewire/lua/script"
)

// s3Host is SCENARIOS.md S3 before the recipe: a host namespace whose
// NICs ens32 (10.0.0.111/24, default via 10.0.0.1) and ens36 (no IP) are
// veths to ports lan-a and lan-b of bridge lan0 in a LAN namespace, which
// holds the gateway 10.0.0.1/24.
type s3Host struct {
	host, lan *target.Target
	store     *tx.Store
}

const (
	hostIP    = "10.0.0.111"
	gatewayIP = "10.0.0.1"
	ens32MAC  = "52:54:00:aa:bb:32"
	ens36MAC  = "52:54:00:aa:bb:36"
)

func newS3Host(t *testing.T) *s3Host {
	t.Helper()
	hl := nstest.NewHostLAN(t, nstest.LANSpec{
		Gateway: gatewayIP + "/24",
		NICs: []nstest.NIC{
			{Name: "ens32", MAC: ens32MAC, Peer: "lan-a", CIDR: hostIP + "/24"},
			{Name: "ens36", MAC: ens36MAC, Peer: "lan-b"},
		},
		Setup: NoIPv6,
	})
	h := &s3Host{host: hl.Host, lan: hl.LAN}
	var err error
	if h.store, err = tx.OpenStore(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	return h
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (h *s3Host) session() *tx.Session {
	return &tx.Session{Store: h.store, Target: h.host, Script: "test"}
}

// run executes a recipe through the engine as `rewire run` does.
func (h *s3Host) run(t *testing.T, s *tx.Session, o script.Options) (*script.Result, string) {
	t.Helper()
	var out bytes.Buffer
	e := engine.New(&out, Modules(s)...)
	defer e.Close()
	return script.Run(context.Background(), s, e, o), out.String()
}

func (h *s3Host) snapshot(t *testing.T) string {
	t.Helper()
	s, err := Snapshot(h.host)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// lanReaches pings ip from the LAN namespace (a few tries: ARP and the
// bridges' FDB may need one round).
func (h *s3Host) lanReaches(ip string) bool {
	ok, err := probe.Ping(h.lan, ip, probe.Options{Count: 5, Timeout: time.Second})
	return err == nil && ok
}
