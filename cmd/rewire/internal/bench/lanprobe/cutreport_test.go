package lanprobe

import (
	"testing"
	"time"
)

func TestSideAddKeepsEveryRepAndTheSpread(t *testing.T) {
	ms := time.Millisecond
	var s Side
	for i, gap := range []time.Duration{5 * ms, 1 * ms, 9 * ms, 3 * ms} {
		s.Add(Outage{Longest: gap, Lost: i}, 0)
	}
	if len(s.Gaps) != 4 || s.Lost[3] != 3 || s.Jobs != nil {
		t.Fatalf("reps not kept as given: %+v", s)
	}
	if s.GapMedian != 4*ms || s.GapWorst != 9*ms {
		t.Fatalf("median %v worst %v, want 4ms and 9ms", s.GapMedian, s.GapWorst)
	}
	s.Add(Outage{Longest: 2 * ms}, time.Second)
	if s.GapMedian != 3*ms || len(s.Jobs) != 1 {
		t.Fatalf("after a fifth rep: median %v, jobs %v", s.GapMedian, s.Jobs)
	}
}
