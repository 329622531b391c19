package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/target/nstest"
	"rewire/cmd/rewire/internal/bench/lanprobe"
)

// slowRTT is the round trip above which a probe counts as held up.
const slowRTT = 3 * time.Millisecond

// trace prints, on stderr, one rep of a job as the LAN saw it against its
// journal: each change's span and each run of lost or held-up probes, in
// ms from the job's start, so a gap shows whether frames were dropped
// (lost) or only delayed (the VM busy), and during which change.
func trace(label string, start time.Time, tl lanprobe.Timeline, spans []lanprobe.Span) {
	ms := func(t time.Time) string { return fmt.Sprintf("%+.1f", float64(t.Sub(start).Microseconds())/1000) }
	var b strings.Builder
	o := tl.Outage()
	fmt.Fprintf(&b, "trace %s: gap %v [%s, %s] ms, lost %d\n", label, o.Longest, ms(o.GapFrom), ms(o.GapTo), o.Lost)
	for _, s := range spans {
		fmt.Fprintf(&b, "  change [%s, %s] %s\n", ms(s.From), ms(s.Till), s.Desc)
	}
	runStart, lost, there, worst := -1, 0, 0, time.Duration(0)
	flush := func(i int) {
		if runStart >= 0 {
			fmt.Fprintf(&b, "  probes sent [%s, %s] ms: %d, %d lost (%d of them reached the host), slowest answered %v\n",
				ms(tl.Sent[runStart]), ms(tl.Sent[i-1]), i-runStart, lost, there, worst)
		}
		runStart, lost, there, worst = -1, 0, 0, 0
	}
	for i, sent := range tl.Sent {
		rtt := time.Duration(-1)
		if !tl.Recv[i].IsZero() {
			rtt = tl.Recv[i].Sub(sent)
		}
		if rtt >= 0 && rtt < slowRTT {
			flush(i)
			continue
		}
		if runStart < 0 {
			runStart = i
		}
		if rtt < 0 {
			lost++
			if i < len(tl.AtHost) && tl.AtHost[i] {
				there++
			}
		} else if rtt > worst {
			worst = rtt
		}
	}
	flush(len(tl.Sent))
	fmt.Fprint(os.Stderr, b.String())
}

// burn keeps cpus CPUs busy for d: the control that tells a gap the VM's
// CPU being taken by the job causes from one the network change causes.
func burn(d time.Duration, cpus int) {
	done := make(chan struct{})
	for i := 0; i < cpus; i++ {
		go func() {
			end := time.Now().Add(d)
			x := 0
			for time.Now().Before(end) {
				for j := 0; j < 1000; j++ {
					x += j
				}
			}
			_ = x
			done <- struct{}{}
		}()
	}
	for i := 0; i < cpus; i++ {
		<-done
	}
}

// traceLAN prints where the LAN's bridge sends the host's MACs and how
// the host's ARP entry for the gateway stands: what decides whether the
// LAN reaches the host after a change.
func (c *cut) traceLAN(when string) {
	var b strings.Builder
	fmt.Fprintf(&b, "trace %s:", when)
	if lh, err := c.lan.Handle(); err == nil {
		fdb, _ := lh.NeighList(0, unix.AF_BRIDGE)
		for _, n := range fdb {
			mac := n.HardwareAddr.String()
			if mac != ens32MAC && mac != ens36MAC {
				continue
			}
			port := fmt.Sprint(n.LinkIndex)
			if l, err := lh.LinkByIndex(n.LinkIndex); err == nil {
				port = l.Attrs().Name
			}
			fmt.Fprintf(&b, " lan fdb %s on %s;", mac, port)
		}
	}
	if hh, err := c.host.Handle(); err == nil {
		neigh, _ := hh.NeighList(0, unix.AF_INET)
		for _, n := range neigh {
			if n.IP.String() != gatewayIP {
				continue
			}
			dev := fmt.Sprint(n.LinkIndex)
			if l, err := hh.LinkByIndex(n.LinkIndex); err == nil {
				dev = l.Attrs().Name
			}
			fmt.Fprintf(&b, " host neigh %s dev %s %s state %#x;", gatewayIP, dev, n.HardwareAddr, n.State)
		}
	}
	fmt.Fprintln(os.Stderr, b.String())
}

// cpuTime is the CPU the process has used so far, user and system.
func cpuTime() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuSince sets *d to the CPU used since from.
func cpuSince(from time.Duration, d *time.Duration) { *d = cpuTime() - from }

// profileJob starts a CPU profile into path and returns what stops it.
func profileJob(path string) func() {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kernelcut: cpu profile: "+err.Error())
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "kernelcut: cpu profile: "+err.Error())
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// watchLAN polls, every 2 ms until stop closes, where the LAN's bridge
// sends the host's MACs, the state of its ports, the LAN's ARP entry for
// the host and the bond's active slave, and prints each change in ms
// from start (about the job's: the probing's start plus its warm-up).
func (c *cut) watchLAN(start time.Time, stop chan struct{}, done chan struct{}) {
	defer close(done)
	lh, err := c.lan.Handle()
	if err != nil {
		return
	}
	hh, err := c.host.Handle()
	if err != nil {
		return
	}
	last := ""
	for {
		var b strings.Builder
		fdb, _ := lh.NeighList(0, unix.AF_BRIDGE)
		for _, n := range fdb {
			if mac := n.HardwareAddr.String(); mac == ens32MAC || mac == ens36MAC {
				fmt.Fprintf(&b, " %s@%d", mac[len(mac)-2:], n.LinkIndex)
			}
		}
		for _, port := range []string{"lan-a", "lan-b", nstest.LabBridge} {
			if l, err := lh.LinkByName(port); err == nil {
				fmt.Fprintf(&b, " %s#%d:%s", port, l.Attrs().Index, l.Attrs().OperState)
			}
		}
		neigh, _ := lh.NeighList(0, unix.AF_INET)
		for _, n := range neigh {
			if n.IP.String() == hostIP {
				fmt.Fprintf(&b, " arp %s %#x", n.HardwareAddr, n.State)
			}
		}
		if l, err := hh.LinkByName("bond0"); err == nil {
			if bd, ok := l.(*netlink.Bond); ok {
				fmt.Fprintf(&b, " active #%d", bd.ActiveSlave)
			}
		}
		if now := b.String(); now != last {
			fmt.Fprintf(os.Stderr, "  lan %+.1f ms:%s\n", float64(time.Since(start).Microseconds())/1000, now)
			last = now
		}
		select {
		case <-stop:
			return
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// counters are a namespace's drop counters: every /proc/net/snmp field
// and every /proc/net/dev column, by name (thread-self: the namespace
// the thread entered, not the process's), plus the softnet backlog drops.
func counters(tg interface{ Do(func() error) error }) map[string]int64 {
	out := map[string]int64{}
	tg.Do(func() error {
		if b, err := os.ReadFile("/proc/thread-self/net/snmp"); err == nil {
			lines := strings.Split(string(b), "\n")
			for i := 0; i+1 < len(lines); i += 2 {
				names, vals := strings.Fields(lines[i]), strings.Fields(lines[i+1])
				for j := 1; j < len(names) && j < len(vals); j++ {
					var v int64
					fmt.Sscan(vals[j], &v)
					out[names[0]+names[j]] = v
				}
			}
		}
		if b, err := os.ReadFile("/proc/thread-self/net/dev"); err == nil {
			cols := []string{"rx_bytes", "rx_packets", "rx_errs", "rx_drop", "rx_fifo", "rx_frame", "rx_compressed", "rx_multicast",
				"tx_bytes", "tx_packets", "tx_errs", "tx_drop", "tx_fifo", "tx_colls", "tx_carrier", "tx_compressed"}
			for _, l := range strings.Split(string(b), "\n")[2:] {
				dev, rest, ok := strings.Cut(l, ":")
				if !ok {
					continue
				}
				for j, f := range strings.Fields(rest) {
					if j < len(cols) && (strings.Contains(cols[j], "drop") || strings.Contains(cols[j], "errs") || strings.Contains(cols[j], "packets")) {
						var v int64
						fmt.Sscan(f, &v)
						out[strings.TrimSpace(dev)+"."+cols[j]] = v
					}
				}
			}
		}
		if b, err := os.ReadFile("/proc/net/softnet_stat"); err == nil {
			for cpu, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				if f := strings.Fields(l); len(f) > 1 {
					var v int64
					fmt.Sscanf(f[1], "%x", &v)
					out[fmt.Sprintf("softnet%d.dropped", cpu)] = v
				}
			}
		}
		return nil
	})
	return out
}

// printDelta prints the counters that moved between before and after,
// packet counts only where a drop counter moved too.
func printDelta(label string, before, after map[string]int64) {
	var moved []string
	for k, v := range after {
		if d := v - before[k]; d != 0 && !strings.HasSuffix(k, "packets") && !strings.HasPrefix(k, "Ip") && !strings.HasPrefix(k, "Udp") && !strings.HasPrefix(k, "Icmp") || d != 0 && (strings.Contains(k, "Err") || strings.Contains(k, "Discard") || strings.Contains(k, "NoPorts") || strings.Contains(k, "NoRoutes") || strings.Contains(k, "Unknown")) {
			moved = append(moved, fmt.Sprintf("%s+%d", k, d))
		}
	}
	sort.Strings(moved)
	fmt.Fprintf(os.Stderr, "  counters %s: %s\n", label, strings.Join(moved, " "))
}
