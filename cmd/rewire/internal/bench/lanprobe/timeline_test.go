package lanprobe

import (
	"testing"
	"time"
)

// timeline builds a synthetic probe run: one probe per ms from t0, each
// answered rtt later unless listed in lost.
func timeline(t0 time.Time, n int, rtt time.Duration, lost ...int) Timeline {
	gone := map[int]bool{}
	for _, i := range lost {
		gone[i] = true
	}
	var tl Timeline
	for i := 0; i < n; i++ {
		s := t0.Add(time.Duration(i) * time.Millisecond)
		tl.Sent = append(tl.Sent, s)
		if gone[i] {
			tl.Recv = append(tl.Recv, time.Time{})
		} else {
			tl.Recv = append(tl.Recv, s.Add(rtt))
		}
	}
	return tl
}

func TestOutageNoLoss(t *testing.T) {
	o := timeline(time.Unix(0, 0), 100, 50*time.Microsecond).Outage()
	if o.Probes != 100 || o.Lost != 0 || o.Longest != time.Millisecond {
		t.Fatalf("got %+v, want 100 probes, 0 lost, 1ms longest gap", o)
	}
}

func TestOutageHole(t *testing.T) {
	// Probes 10..16 lost: replies to 9 and 17 are 8 ms apart.
	o := timeline(time.Unix(0, 0), 100, 0, 10, 11, 12, 13, 14, 15, 16).Outage()
	if o.Lost != 7 || o.Longest != 8*time.Millisecond {
		t.Fatalf("got %+v, want 7 lost, 8ms", o)
	}
}

func TestOutageLateRepliesDoNotHideSilence(t *testing.T) {
	tl := timeline(time.Unix(0, 0), 50, 0)
	// Replies to 20..29 all arrive together at 35 ms: nothing came back
	// between the reply to 19 (19 ms) and the reply to 30 (30 ms).
	for i := 20; i < 30; i++ {
		tl.Recv[i] = time.Unix(0, 0).Add(35 * time.Millisecond)
	}
	if o := tl.Outage(); o.Lost != 0 || o.Longest != 11*time.Millisecond {
		t.Fatalf("got %+v, want 0 lost and 11ms", o)
	}
}

func TestOutageTrailingAndLeadingLoss(t *testing.T) {
	if o := timeline(time.Unix(0, 0), 20, 0, 15, 16, 17, 18, 19).Outage(); o.Longest != 5*time.Millisecond || o.Lost != 5 {
		t.Fatalf("trailing: got %+v, want 5ms, 5 lost", o)
	}
	if o := timeline(time.Unix(0, 0), 20, 0, 0, 1, 2).Outage(); o.Longest != 3*time.Millisecond {
		t.Fatalf("leading: got %+v, want 3ms", o)
	}
	all := timeline(time.Unix(0, 0), 10, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	if o := all.Outage(); o.Lost != 10 || o.Longest != 9*time.Millisecond {
		t.Fatalf("all lost: got %+v", o)
	}
	if o := (Timeline{}).Outage(); o != (Outage{}) {
		t.Fatalf("empty: got %+v", o)
	}
}

func TestWindowAndFirstReplyAfter(t *testing.T) {
	t0 := time.Unix(0, 0)
	tl := timeline(t0, 100, 200*time.Microsecond, 40, 41, 42)
	w := tl.Window(t0.Add(30*time.Millisecond), t0.Add(50*time.Millisecond))
	if len(w.Sent) != 21 {
		t.Fatalf("window holds %d probes, want 21", len(w.Sent))
	}
	if o := w.Outage(); o.Lost != 3 || o.Longest != 4*time.Millisecond {
		t.Fatalf("window outage %+v, want 3 lost, 4ms", o)
	}
	got, ok := tl.FirstReplyAfter(t0.Add(40 * time.Millisecond))
	if want := t0.Add(43*time.Millisecond + 200*time.Microsecond); !ok || !got.Equal(want) {
		t.Fatalf("first reply after 40ms: %v %v, want %v", got.Sub(t0), ok, want.Sub(t0))
	}
	if _, ok := tl.FirstReplyAfter(t0.Add(time.Second)); ok {
		t.Fatal("a reply after the last probe")
	}
}
