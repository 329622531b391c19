package bench

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

const (
	benchBridges = 20
	benchTaps    = 500
	listRuns     = 20
)

// bridgeList is row 6: `bridge.list()` on a namespace with 500 veth taps
// in 20 bridges against `bridge link` and parsing its lines.
func (e *env) bridgeList() error {
	tg, done, err := e.privateNS("bridges")
	defer done()
	if err != nil {
		return err
	}
	peers, done2, err := e.privateNS("peers")
	defer done2()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := buildTaps(tg, peers); err != nil {
		return err
	}
	e.note("Bridge list: %d bridges with %d veth ports (peers in a second namespace) built with netlink in %s, not timed.", benchBridges, benchTaps, fmtDur(time.Since(start)))

	s := &tx.Session{Target: tg}
	en := engine.New(io.Discard, e.Modules(s)...)
	defer en.Close()
	chunk := fmt.Sprintf(`local n = 0
for _, b in ipairs(bridge.list()) do n = n + #b.interfaces end
assert(n == %d, n .. " ports")`, benchTaps)
	rw, err := timeIt(listRuns, func() error {
		if lerr := en.DoString(context.Background(), chunk, "bench"); lerr != nil {
			return fmt.Errorf("bridge.list: %s", lerr.Error())
		}
		return nil
	})
	if err != nil {
		return err
	}
	sh, err := timeIt(listRuns, func() error {
		out, err := tg.Run(nil, "bridge", "link", "show")
		if err != nil {
			return err
		}
		if n := portsOf(string(out)); n != benchTaps {
			return fmt.Errorf("bridge link: %d ports, want %d", n, benchTaps)
		}
		return nil
	})
	if err != nil {
		return err
	}
	e.add(Row{Metric: fmt.Sprintf("list %d bridges with %d ports: `bridge.list()` vs `bridge link` + parsing", benchBridges, benchTaps),
		Rewire: Spreads(SpreadOf(rw)), Baseline: Spreads(SpreadOf(sh)), Target: "—"})
	return nil
}

// portsOf parses `bridge link` lines ("7: tap0@if8: <...> mtu 1500 master
// br0 state ...") into bridge -> ports, as an admin's awk does, and counts them.
func portsOf(out string) int {
	ports := map[string][]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		for i := 0; i+1 < len(f); i++ {
			if f[i] == "master" && len(f) > 1 {
				name := strings.TrimSuffix(f[1], ":")
				if at := strings.IndexByte(name, '@'); at >= 0 {
					name = name[:at]
				}
				ports[f[i+1]] = append(ports[f[i+1]], name)
				break
			}
		}
	}
	n := 0
	for _, p := range ports {
		n += len(p)
	}
	return n
}

// buildTaps makes the bridges and the veth ports in tg, the peers in peers.
func buildTaps(tg, peers *target.Target) error { return buildTapsNamed(tg, peers, "") }

// buildTapsNamed is buildTaps with names PREFIXbrN / PREFIXtapN / PREFIXpN
// ("sbr": sbr0.., sbrtap0.., sbrp0..), so they can share a namespace.
func buildTapsNamed(tg, peers *target.Target, prefix string) error {
	brName, tapName, peerName := "br%d", "tap%d", "p%d"
	if prefix != "" {
		brName, tapName, peerName = prefix+"%d", prefix+"tap%d", prefix+"p%d"
	}
	h, err := tg.Handle()
	if err != nil {
		return err
	}
	pns, err := netns.GetFromPath(peers.NetnsPath)
	if err != nil {
		return err
	}
	defer pns.Close()
	brs := make([]netlink.Link, benchBridges)
	for i := range brs {
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: fmt.Sprintf(brName, i)}}
		if err := h.LinkAdd(br); err != nil {
			return fmt.Errorf("bridge %s: %w", br.Name, err)
		}
		brs[i] = br
	}
	for i := 0; i < benchTaps; i++ {
		v := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: fmt.Sprintf(tapName, i), MasterIndex: brs[i%benchBridges].Attrs().Index},
			PeerName: fmt.Sprintf(peerName, i), PeerNamespace: netlink.NsFd(int(pns))}
		if err := h.LinkAdd(v); err != nil {
			return fmt.Errorf("veth %s: %w", v.Name, err)
		}
	}
	return nil
}
