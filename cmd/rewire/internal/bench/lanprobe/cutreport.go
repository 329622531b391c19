package lanprobe

import (
	"sort"
	"time"
)

// CutReport is what kernelcut prints (one JSON object) and the bench
// reads: one cut-over measured from the LAN in the distro-kernel VM, by
// rewire and by the `ip` script, rep by rep.
type CutReport struct {
	Kernel string `json:"kernel"` // the VM's kernel release
	CPUs   int    `json:"cpus"`
	Reps   int    `json:"reps"`
	// Floor is the longest gap of each idle window, as long as that rep's
	// rewire job (300 ms at least): the prober's and the VM's own noise.
	Floor  Side `json:"floor"`
	Rewire Side `json:"rewire"`
	Script Side `json:"ip_script"`
}

// Side is one way of doing the job, every rep.
type Side struct {
	GapMedian time.Duration   `json:"gap_median_ns"`
	GapWorst  time.Duration   `json:"gap_worst_ns"`
	Gaps      []time.Duration `json:"gaps_ns"`
	Lost      []int           `json:"lost"`
	Jobs      []time.Duration `json:"jobs_ns,omitempty"` // the job's own time, start to end
	// Causes says, per rep, which journaled changes the longest gap
	// overlapped (GapCause); rewire only, the script keeps no journal.
	Causes []string `json:"causes,omitempty"`
}

// Add records one rep: its outage and how long its job took.
func (s *Side) Add(o Outage, job time.Duration) {
	s.Gaps, s.Lost = append(s.Gaps, o.Longest), append(s.Lost, o.Lost)
	if job > 0 {
		s.Jobs = append(s.Jobs, job)
	}
	sorted := append([]time.Duration(nil), s.Gaps...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	n := len(sorted)
	s.GapMedian, s.GapWorst = sorted[n/2], sorted[n-1]
	if n%2 == 0 {
		s.GapMedian = (sorted[n/2-1] + sorted[n/2]) / 2
	}
}
