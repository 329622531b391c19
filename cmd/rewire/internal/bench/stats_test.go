package bench

import (
	"testing"
	"time"
)

func TestSpreadOf(t *testing.T) {
	ms := time.Millisecond
	if s := SpreadOf([]time.Duration{5 * ms, 1 * ms, 9 * ms}); s.Median != 5*ms || s.Worst != 9*ms || s.N != 3 {
		t.Fatalf("odd: %+v", s)
	}
	if s := SpreadOf([]time.Duration{4 * ms, 2 * ms}); s.Median != 3*ms || s.Worst != 4*ms {
		t.Fatalf("even: %+v", s)
	}
	if s := SpreadOf(nil); s.N != 0 {
		t.Fatalf("empty: %+v", s)
	}
}
