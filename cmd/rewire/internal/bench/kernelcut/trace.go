package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"

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
// sends the host's MACs and the state of its ports, and prints each
// change in ms from start: what the LAN does while a change runs.
func (c *cut) watchLAN(start time.Time, stop chan struct{}, done chan struct{}) {
	defer close(done)
	lh, err := c.lan.Handle()
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
