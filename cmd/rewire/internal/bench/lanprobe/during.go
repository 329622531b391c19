// Package lanprobe is how the bench sees a host from its LAN: a UDP
// prober in the LAN's namespace, an echo responder in the host's, the
// timeline of their probes and replies, and where its longest silence
// fell in a run's journal. It needs no cgo, so the static program that
// measures inside the distro-kernel VM (kernelcut) uses it too.
package lanprobe

import (
	"fmt"
	"time"

	"rewire/bindings/target"
)

const (
	MaxProbes = 60000 // a minute at 1 ms: the prober never runs unbounded
	WarmUp    = 100 * time.Millisecond
	Tail      = 200 * time.Millisecond
	SettleMax = 10 * time.Second // the longest an outage after a job is followed
)

// During runs job while lan probes dst (an address of host) every
// millisecond, from WarmUp before it until Tail after host answers again
// (an outage that outlasts the job is part of its cost, followed up to
// SettleMax).
func During(host, lan *target.Target, dst string, job func() error) (Timeline, error) {
	r, err := StartResponder(host)
	if err != nil {
		return Timeline{}, err
	}
	defer r.Close()
	p, err := StartProber(lan, dst, time.Millisecond, MaxProbes)
	if err != nil {
		return Timeline{}, err
	}
	time.Sleep(WarmUp)
	jerr := job()
	end := time.Now()
	for !p.AnsweredSince(end) && time.Since(end) < SettleMax {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(Tail)
	tl := p.Stop(50 * time.Millisecond)
	tl.AtHost = r.reached(len(tl.Sent))
	if jerr == nil && tl.Outage().Lost == len(tl.Sent) {
		jerr = fmt.Errorf("no probe was ever answered: the prober cannot reach %s", dst)
	}
	return tl, jerr
}
