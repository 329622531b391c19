package bench

import (
	"sort"
	"time"
)

// Spread is several repetitions of one measurement.
type Spread struct {
	Median, Worst time.Duration
	N             int
}

// SpreadOf summarises repetitions; worst is the largest (slowest) one.
func SpreadOf(ds []time.Duration) Spread {
	if len(ds) == 0 {
		return Spread{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Spread{Median: m, Worst: s[len(s)-1], N: len(s)}
}

// timeIt runs fn n times and returns each run's wall time; the first error stops it.
func timeIt(n int, fn func() error) ([]time.Duration, error) {
	var out []time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		if err := fn(); err != nil {
			return out, err
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}
