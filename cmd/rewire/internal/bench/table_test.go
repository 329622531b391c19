package bench

import (
	"strings"
	"testing"
	"time"
)

func TestRatio(t *testing.T) {
	for _, c := range []struct {
		r    Row
		want string
	}{
		{Row{Rewire: Dur(2 * time.Millisecond), Baseline: Dur(8 * time.Millisecond)}, "0.25×"},
		{Row{Rewire: Dur(3 * time.Second), Baseline: Dur(time.Second)}, "3.00×"},
		{Row{Rewire: Count(0, 0, 5, "probes"), Baseline: Count(6, 9, 5, "probes")}, "0.00×"},
		{Row{Rewire: Count(0, 0, 1, "probes"), Baseline: Count(0, 0, 1, "probes")}, "1.00×"},
		{Row{Rewire: Count(2, 2, 1, "probes"), Baseline: Count(0, 0, 1, "probes")}, "∞"},
		{Row{Rewire: Dur(time.Second), Baseline: None("no baseline")}, "—"},
	} {
		if got := c.r.Ratio(); got != c.want {
			t.Errorf("%+v: ratio %q, want %q", c.r, got, c.want)
		}
	}
}

func TestValues(t *testing.T) {
	for _, c := range []struct {
		v    Value
		want string
	}{
		{Dur(62 * time.Nanosecond), "62 ns"},
		{Dur(78600 * time.Nanosecond), "78.6 µs"},
		{Dur(4700 * time.Microsecond), "4.7 ms"},
		{Dur(1300 * time.Millisecond), "1.30 s"},
		{Spreads(SpreadOf([]time.Duration{time.Millisecond, 3 * time.Millisecond, 2 * time.Millisecond})), "median 2.0 ms, worst 3.0 ms (n=3)"},
		{Spreads(Spread{}), "not measured"},
		{Count(0, 1, 5, "probes"), "median 0, worst 1 probes"},
		{KiB(33280), "32.5 MiB"},
	} {
		if c.v.Text != c.want {
			t.Errorf("got %q, want %q", c.v.Text, c.want)
		}
	}
}

func TestRender(t *testing.T) {
	m := Machine{Cores: 2, Kernel: "6.1.0-test", Date: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), Notes: []string{"a note"}}
	page := Render(m, []Row{
		{Metric: "cut-over gap", Rewire: Dur(4 * time.Millisecond), Baseline: Dur(8 * time.Millisecond), Target: "≤ 5 ms"},
		{Metric: "a | pipe", Rewire: None("failed: x"), Target: ""},
	})
	for _, want := range []string{
		"Machine: 2 cores, kernel 6.1.0-test. Run 2026-01-02 03:04 UTC.",
		"| metric | rewire | baseline | ratio | target |\n|---|---|---|---|---|\n",
		"| cut-over gap | 4.0 ms | 8.0 ms | 0.50× | ≤ 5 ms |\n",
		`| a \| pipe | failed: x | — | — | — |`,
		"- a note\n",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	// Every table line has the same number of cells.
	for _, l := range strings.Split(page, "\n") {
		if strings.HasPrefix(l, "|") && strings.Count(strings.ReplaceAll(l, `\|`, ""), "|") != 6 {
			t.Errorf("ragged row %q", l)
		}
	}
}

func TestParseMaxRSS(t *testing.T) {
	out := "\tCommand being timed: \"true\"\n\tMaximum resident set size (kbytes): 5392\n\tAverage resident set size (kbytes): 0\n"
	if n, err := parseMaxRSS(out); err != nil || n != 5392 {
		t.Fatalf("got %d, %v", n, err)
	}
	if _, err := parseMaxRSS("time: not found"); err == nil {
		t.Fatal("no error for output without the field")
	}
}

func TestPortsOf(t *testing.T) {
	out := `7: tap0@if8: <BROADCAST,MULTICAST> mtu 1500 master br0 state disabled priority 32 cost 2
9: tap1@if10: <BROADCAST,MULTICAST> mtu 1500 master br1 state disabled priority 32 cost 2
11: tap2@if12: <BROADCAST,MULTICAST> mtu 1500 master br0 state disabled priority 32 cost 2
`
	if n := portsOf(out); n != 3 {
		t.Fatalf("got %d ports, want 3", n)
	}
	if n := portsOf(""); n != 0 {
		t.Fatalf("empty output: %d ports", n)
	}
}
