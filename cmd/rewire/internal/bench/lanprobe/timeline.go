package lanprobe

import (
	"sort"
	"time"
)

// Timeline is what a prober saw: when each probe left, and when its reply
// came back (the zero time for a probe that was never answered).
type Timeline struct {
	Sent []time.Time
	Recv []time.Time
	// AtHost says which probes reached the host's responder (nil where
	// unknown): a lost probe that did was lost on its way back.
	AtHost []bool
}

// Outage is how a timeline looks to someone on the LAN.
type Outage struct {
	Probes  int           // probes sent
	Lost    int           // probes never answered
	Longest time.Duration // longest time without any reply
	// GapFrom and GapTo bound the longest silence: the reply (or first
	// probe) before it and the reply (or last probe) that ended it.
	GapFrom, GapTo time.Time
}

// Outage measures the timeline between its first and its last probe. The
// longest gap is taken between replies in the order they arrived, so a
// burst of late replies does not hide the silence before it; silence at
// the start or the end of the window counts as well.
func (tl Timeline) Outage() Outage {
	o := Outage{Probes: len(tl.Sent)}
	if o.Probes == 0 {
		return o
	}
	var arrivals []time.Time
	for i := range tl.Sent {
		if i >= len(tl.Recv) || tl.Recv[i].IsZero() {
			o.Lost++
			continue
		}
		arrivals = append(arrivals, tl.Recv[i])
	}
	first, last := tl.Sent[0], tl.Sent[len(tl.Sent)-1]
	if len(arrivals) == 0 {
		o.Longest, o.GapFrom, o.GapTo = last.Sub(first), first, last
		return o
	}
	sort.Slice(arrivals, func(i, j int) bool { return arrivals[i].Before(arrivals[j]) })
	prev := first
	for _, a := range append(arrivals, last) {
		if d := a.Sub(prev); d > o.Longest {
			o.Longest, o.GapFrom, o.GapTo = d, prev, a
		}
		prev = a
	}
	return o
}

// FirstReplyAfter is the first reply that arrived at or after t, for a
// probe sent at or after t: the host answering in its state after t.
func (tl Timeline) FirstReplyAfter(t time.Time) (time.Time, bool) {
	var best time.Time
	for i := range tl.Sent {
		if tl.Sent[i].Before(t) || i >= len(tl.Recv) || tl.Recv[i].IsZero() {
			continue
		}
		if best.IsZero() || tl.Recv[i].Before(best) {
			best = tl.Recv[i]
		}
	}
	return best, !best.IsZero()
}

// Window is the part of the timeline whose probes left in [from, to].
func (tl Timeline) Window(from, to time.Time) Timeline {
	var w Timeline
	for i, s := range tl.Sent {
		if s.Before(from) || s.After(to) {
			continue
		}
		w.Sent = append(w.Sent, s)
		if i < len(tl.Recv) {
			w.Recv = append(w.Recv, tl.Recv[i])
		} else {
			w.Recv = append(w.Recv, time.Time{})
		}
	}
	return w
}
