package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/domain"
)

const (
	benchGuests  = 10         // the NICs are spread over this many guests
	nicsPerGuest = 20         // fits the i440fx PCI bus with room to spare
	benchBridge  = "benchbr0" // where the NICs are re-pointed to
)

// nicRef is one guest NIC to re-point.
type nicRef struct{ dom, mac string }

// guestNICs is row 3: re-point N guest NICs from network default to a
// bridge, live and persistent, through the domain binding and through one
// `virsh update-device --live --config` per NIC, on the lab's libvirtd.
func (e *env) guestNICs() error {
	most := 0
	for _, n := range e.NICs {
		most = max(most, n)
	}
	conn, err := libvirt.NewConnect(e.lab.LibvirtURI())
	if err != nil {
		return fmt.Errorf("lab libvirtd: %w", err)
	}
	defer conn.Close()
	h, err := e.host.Handle()
	if err != nil {
		return err
	}
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: benchBridge}}
	if err := h.LinkAdd(br); err != nil {
		return fmt.Errorf("bridge %s: %w", benchBridge, err)
	}
	defer h.LinkDel(br)
	h.LinkSetUp(br)

	start := time.Now()
	nics, cleanup, err := startGuests(conn, most)
	defer cleanup()
	if err != nil {
		return err
	}
	idleGuests(e.lab.LibvirtdPID())
	costs, err := virtCallCosts(conn, nics[0])
	if err != nil {
		return fmt.Errorf("libvirt call costs: %w", err)
	}
	e.note("Guest NICs: %d guests with up to %d virtio NICs each (TCG, no disk, no option ROM: they idle in the firmware) defined and started on the lab's libvirtd in %s, not timed; the first N NICs span all of them. rewire is one `domain.set_interfaces` list in one transaction (up to 4 guests at a time on one connection, each NIC journaled before it changes), then `rewire rollback` of it; its time includes making the engine, the journal and the commit. The baseline's XML files are cut from `virsh dumpxml --inactive` beforehand (not timed).",
		benchGuests, min(nicsPerGuest, (most+benchGuests-1)/benchGuests), fmtDur(time.Since(start)))

	pid := e.lab.LibvirtdPID()
	var daemon, serial []string
	for _, n := range e.NICs {
		set := nics[:min(n, len(nics))]
		guests := map[string]bool{}
		for _, r := range set {
			guests[r.dom] = true
		}
		var rw, back, vs, vsBack time.Duration
		var rwCPU, backCPU, vsCPU, vsBackCPU time.Duration
		// libvirtd's own CPU time for each job: the part of it no client
		// can save, on this machine's cores.
		rwCPU, err := daemonCPU(pid, func() (err error) {
			rw, back, err = e.repointBinding(set, "bridge", benchBridge, &backCPU, pid)
			return err
		})
		if err != nil {
			return err
		}
		rwCPU -= backCPU
		if vsCPU, err = daemonCPU(pid, func() (err error) { vs, err = e.repointVirsh(conn, set, benchBridge); return err }); err != nil {
			return err
		}
		if vsBackCPU, err = daemonCPU(pid, func() (err error) { vsBack, err = e.repointVirsh(conn, set, ""); return err }); err != nil {
			return fmt.Errorf("put the NICs back: %w", err)
		}
		e.add(Row{Metric: fmt.Sprintf("re-point %d guest NICs (%d guests) to a bridge, live + config: `domain.set_interfaces` vs a `virsh update-device` loop", len(set), len(guests)),
			Rewire: Dur(rw), Baseline: Dur(vs), Target: "≤ 0.1×"})
		e.add(Row{Metric: fmt.Sprintf("roll back that re-point of %d guest NICs: `rewire rollback` vs the reverse `virsh update-device` loop", len(set)),
			Rewire: Dur(back), Baseline: Dur(vsBack), Target: "≤ 0.1×"})
		floor := time.Duration(len(set))*costs.live + time.Duration(len(guests))*costs.define
		serial = append(serial, fmt.Sprintf("%s for %d NICs over %d guests (%.2f× the loop)", fmtDur(floor), len(set), len(guests), float64(floor)/float64(vs)))
		cores := time.Duration(runtime.NumCPU())
		daemon = append(daemon, fmt.Sprintf("%d NICs: re-point %s (so at best %s on %d cores, %.2f× the loop), rollback %s (at best %s, %.2f×); the loops %s and %s",
			len(set), fmtDur(rwCPU), fmtDur(rwCPU/cores), cores, float64(rwCPU/cores)/float64(vs), fmtDur(backCPU), fmtDur(backCPU/cores), float64(backCPU/cores)/float64(vsBack), fmtDur(vsCPU), fmtDur(vsBackCPU)))
	}
	e.note("Guest NICs, what one libvirt call costs on this lab (median of %d on %s, one client, nothing else running): `update-device --live` of a NIC to the bridge %s, `define` of a guest %s, `update-device --live --config` (what each step of the loop asks) %s. rewire makes one live update per NIC and one define per guest, %s if made one after another; calls to different guests overlap, up to 4 at a time (libvirtd's max_client_requests is 5).",
		costs.n, nics[0].dom, fmtDur(costs.live), fmtDur(costs.define), fmtDur(costs.both), strings.Join(serial, ", "))
	e.note("Guest NICs, libvirtd's own CPU time during each job (/proc/PID/stat; 10 ms ticks) — what the daemon does for each NIC whoever asks, and the floor it sets: %s.", strings.Join(daemon, "; "))
	return nil
}

// repointBinding moves every NIC in set to typ/source in one
// transaction, one domain.set_interfaces list (as nat-to-bridge.lua
// does), and returns how long that took and how long its rollback took.
func (e *env) repointBinding(set []nicRef, typ, source string, backCPU *time.Duration, pid int) (time.Duration, time.Duration, error) {
	var b strings.Builder
	b.WriteString("domain.set_interfaces{\n")
	for _, n := range set {
		fmt.Fprintf(&b, "  {domain=%q, nic=%q, source={type=%q, source=%q}, live=true, config=true},\n", n.dom, n.mac, typ, source)
	}
	b.WriteString("}\n")
	start := time.Now()
	if err := e.luaRun(e.host, "repoint", b.String()); err != nil {
		return 0, 0, err
	}
	took := time.Since(start)
	start = time.Now()
	cpu, err := daemonCPU(pid, func() error { return e.rollbackLast("repoint") })
	if err != nil {
		return 0, 0, err
	}
	*backCPU = cpu
	return took, time.Since(start), nil
}

// repointVirsh is the admin's loop: one `virsh update-device` per NIC,
// to bridge (or back to network default when bridge is "").
func (e *env) repointVirsh(conn *libvirt.Connect, set []nicRef, bridge string) (time.Duration, error) {
	var files []string
	for i, n := range set {
		x, err := nicXML(conn, n, bridge)
		if err != nil {
			return 0, err
		}
		f := filepath.Join(e.dir, fmt.Sprintf("nic-%d.xml", i))
		if err := os.WriteFile(f, []byte(x), 0o644); err != nil {
			return 0, err
		}
		files = append(files, f)
	}
	uri := e.lab.LibvirtURI()
	start := time.Now()
	for i, n := range set {
		if _, err := runProc(nil, nil, "virsh", "-c", uri, "update-device", n.dom, files[i], "--live", "--config"); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// nicXML is the NIC's persistent XML plugged into bridge (network
// default when ""): what an admin edits `virsh dumpxml --inactive` into.
func nicXML(conn *libvirt.Connect, n nicRef, bridge string) (string, error) {
	d, err := conn.LookupDomainByName(n.dom)
	if err != nil {
		return "", err
	}
	defer d.Free()
	x, err := d.GetXMLDesc(libvirt.DOMAIN_XML_INACTIVE)
	if err != nil {
		return "", err
	}
	var def libvirtxml.Domain
	if err := def.Unmarshal(x); err != nil {
		return "", err
	}
	nic := domain.FindNIC(&def, n.mac)
	if nic == nil {
		return "", fmt.Errorf("%s has no NIC %s", n.dom, n.mac)
	}
	src := domain.Source{Type: "bridge", Source: bridge}
	if bridge == "" {
		src = domain.Source{Type: "network", Source: "default"}
	}
	domain.Repoint(nic, src)
	return nic.Marshal()
}

// startGuests defines and starts enough bench guests for n NICs on
// network default, and returns the NICs and how to remove the guests.
func startGuests(conn *libvirt.Connect, n int) ([]nicRef, func(), error) {
	var nics []nicRef
	var doms []*libvirt.Domain
	cleanup := func() {
		for _, d := range doms {
			d.Destroy()
			d.Undefine()
			d.Free()
		}
	}
	// NIC i of every guest, then NIC i+1: any first n NICs span every
	// guest, as a host's NICs on one network do.
	per := min(nicsPerGuest, (n+benchGuests-1)/benchGuests)
	macs := make([][]string, benchGuests)
	for g := range macs {
		name := fmt.Sprintf("bench-%d", g+1)
		for i := 0; i < per; i++ {
			macs[g] = append(macs[g], fmt.Sprintf("52:54:00:be:%02x:%02x", g+1, i+1))
		}
		d, err := conn.DomainDefineXML(benchGuestXML(name, macs[g]))
		if err != nil {
			return nil, cleanup, fmt.Errorf("define %s: %w", name, err)
		}
		doms = append(doms, d)
		if err := d.Create(); err != nil {
			return nil, cleanup, fmt.Errorf("start %s: %w", name, err)
		}
	}
	for i := 0; i < per; i++ {
		for g := range macs {
			nics = append(nics, nicRef{dom: fmt.Sprintf("bench-%d", g+1), mac: macs[g][i]})
		}
	}
	return nics, cleanup, nil
}

// benchGuestXML is a guest that only holds NICs: no disk, no option ROMs,
// boots nothing, so it idles and leaves the CPU to the measurement.
func benchGuestXML(name string, macs []string) string {
	var nics strings.Builder
	for _, m := range macs {
		fmt.Fprintf(&nics, `    <interface type='network'><mac address='%s'/><source network='default'/><model type='virtio'/><rom enabled='no'/></interface>
`, m)
	}
	return fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
%s    <memballoon model='none'/>
  </devices>
</domain>`, name, nics.String())
}
