package bench

import (
	"fmt"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"libvirt.org/go/libvirt"

	"rewire/bindings/overview"
)

const (
	showGuests  = 200 // defined on the lab's libvirtd
	showRunning = 50  // of them started
	showRuns    = 5
)

// showRows is `rewire show` on a host with 500 taps in 20 bridges and
// 200 guests (50 running): its bridges part against `bridge link`, the
// whole against what an admin runs today, `brctl show` and a `virsh
// domiflist` per guest.
func (e *env) showRows() error {
	peers, done, err := e.privateNS("show-peers")
	defer done()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := buildTapsNamed(e.host, peers, "sbr"); err != nil {
		return err
	}
	defer deleteBridges(e.host, "sbr")
	conn, err := libvirt.NewConnect(e.lab.LibvirtURI())
	if err != nil {
		return fmt.Errorf("lab libvirtd: %w", err)
	}
	defer conn.Close()
	var doms []*libvirt.Domain
	defer func() {
		for _, d := range doms {
			d.Destroy()
			d.Undefine()
			d.Free()
		}
	}()
	for g := 0; g < showGuests; g++ {
		macs := []string{fmt.Sprintf("52:54:00:5e:%02x:%02x", g/256, g%256), fmt.Sprintf("52:54:00:5f:%02x:%02x", g/256, g%256)}
		d, err := conn.DomainDefineXML(benchGuestXML(fmt.Sprintf("show-%03d", g), macs))
		if err != nil {
			return fmt.Errorf("define show-%03d: %w", g, err)
		}
		doms = append(doms, d)
		if g < showRunning {
			if err := d.Create(); err != nil {
				return fmt.Errorf("start show-%03d: %w", g, err)
			}
		}
	}
	e.note("Show: %d veth ports in %d bridges in the lab host, and %d guests with 2 NICs each (%d running, TCG, idle in the firmware) on its libvirtd, set up in %s, not timed. The whole baseline is `bridge link` + `virsh list --all --name` + one `virsh domiflist` per guest, run %d time(s).",
		benchTaps, benchBridges, showGuests, showRunning, fmtDur(time.Since(start)), 1)

	br, err := timeIt(listRuns, func() error {
		bs, err := overview.Bridges(e.host)
		if err != nil {
			return err
		}
		if n := countPorts(bs, "sbr"); n != benchTaps {
			return fmt.Errorf("%d ports", n)
		}
		return nil
	})
	if err != nil {
		return err
	}
	bl, err := timeIt(listRuns, func() error {
		out, err := e.host.Run(nil, "bridge", "link", "show")
		if err != nil {
			return err
		}
		portsOf(string(out))
		return nil
	})
	if err != nil {
		return err
	}
	e.add(Row{Metric: fmt.Sprintf("`rewire show`, bridges part (%d ports in %d bridges) vs `bridge link` + parsing", benchTaps, benchBridges),
		Rewire: Spreads(SpreadOf(br)), Baseline: Spreads(SpreadOf(bl)), Target: "≤ 1×"})

	whole, err := timeIt(showRuns, func() error {
		o, err := overview.Read(e.host, nil)
		if err != nil {
			return err
		}
		if len(o.Guests) < showGuests || len(o.Missing) > 0 {
			return fmt.Errorf("show: %d guests, missing %v", len(o.Guests), o.Missing)
		}
		return nil
	})
	if err != nil {
		return err
	}
	uri := e.lab.LibvirtURI()
	loop, err := timeIt(1, func() error {
		if _, err := e.host.Run(nil, "bridge", "link", "show"); err != nil {
			return err
		}
		p, err := runProc(nil, nil, "virsh", "-c", uri, "list", "--all", "--name")
		if err != nil {
			return err
		}
		for _, name := range strings.Fields(p.Out) {
			if _, err := runProc(nil, nil, "virsh", "-c", uri, "domiflist", name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	e.add(Row{Metric: fmt.Sprintf("`rewire show` whole (%d ports, %d guests, %d running) vs `bridge link` + a `virsh domiflist` loop", benchTaps, showGuests, showRunning),
		Rewire: Spreads(SpreadOf(whole)), Baseline: Spreads(SpreadOf(loop)), Target: "≤ 200 ms"})
	return nil
}

func countPorts(bs []overview.Bridge, prefix string) int {
	n := 0
	for _, b := range bs {
		if strings.HasPrefix(b.Name, prefix) {
			n += len(b.Ports)
		}
	}
	return n
}

// deleteBridges removes the bridges named prefix0.. and their ports.
func deleteBridges(tg interface {
	Handle() (*netlink.Handle, error)
}, prefix string) {
	h, err := tg.Handle()
	if err != nil {
		return
	}
	links, _ := h.LinkList()
	for _, l := range links {
		n := l.Attrs().Name
		if strings.HasPrefix(n, prefix) || strings.HasPrefix(n, prefix+"tap") {
			h.LinkDel(l)
		}
	}
}
