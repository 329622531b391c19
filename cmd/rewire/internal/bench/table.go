package bench

import (
	"fmt"
	"strings"
	"time"

	"rewire/cmd/rewire/internal/bench/lanprobe"
)

// Value is one cell: its text, and the number ratios are taken of.
type Value struct {
	Text string
	Num  float64
	Has  bool // Num is a measurement (false: not measured, or no baseline)
}

// Row is one line of the results table.
type Row struct {
	Metric   string
	Rewire   Value
	Baseline Value
	Target   string
}

// Machine heads the table: results mean little without the machine.
type Machine struct {
	Cores  int
	Kernel string
	Date   time.Time
	Notes  []string
}

// Dur is a single duration.
func Dur(d time.Duration) Value {
	return Value{Text: fmtDur(d), Num: d.Seconds(), Has: true}
}

// Spreads is the median and worst of repetitions; ratios use the median.
func Spreads(s Spread) Value {
	if s.N == 0 {
		return None("not measured")
	}
	if s.N == 1 {
		return Dur(s.Median)
	}
	return Value{Text: fmt.Sprintf("median %s, worst %s (n=%d)", fmtDur(s.Median), fmtDur(s.Worst), s.N), Num: s.Median.Seconds(), Has: true}
}

// Count is a number of things (lost probes), median and worst of reps.
func Count(median, worst, n int, unit string) Value {
	if n <= 1 {
		return Value{Text: fmt.Sprintf("%d %s", median, unit), Num: float64(median), Has: true}
	}
	return Value{Text: fmt.Sprintf("median %d, worst %d %s", median, worst, unit), Num: float64(median), Has: true}
}

// KiB is a size in kibibytes, as rusage reports peak RSS.
func KiB(kb int64) Value {
	return Value{Text: fmt.Sprintf("%.1f MiB", float64(kb)/1024), Num: float64(kb), Has: true}
}

// None is a cell with no measurement, saying why.
func None(why string) Value { return Value{Text: why} }

// Ratio is rewire divided by the baseline: below 1 means rewire is faster
// (or loses less); "—" when either side has no number.
func (r Row) Ratio() string {
	if !r.Rewire.Has || !r.Baseline.Has {
		return "—"
	}
	if r.Baseline.Num == 0 {
		if r.Rewire.Num == 0 {
			return "1.00×"
		}
		return "∞"
	}
	return fmt.Sprintf("%.2f×", r.Rewire.Num/r.Baseline.Num)
}

// Render is the Markdown results page: machine, then one table.
func Render(m Machine, rows []Row) string {
	var b strings.Builder
	b.WriteString("# rewire benchmark results\n\n")
	fmt.Fprintf(&b, "Machine: %d cores, kernel %s. Run %s.\n\n", m.Cores, m.Kernel, m.Date.UTC().Format("2006-01-02 15:04 MST"))
	b.WriteString("| metric | rewire | baseline | ratio | target |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(r.Metric), cell(r.Rewire.Text), cell(r.Baseline.Text), r.Ratio(), cell(r.Target))
	}
	b.WriteString("\nRatio is rewire ÷ baseline: below 1 rewire is faster, loses less or uses less. Written by `rewire bench` (`make bench`); numbers are never a pass/fail.\n")
	if len(m.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range m.Notes {
			b.WriteString("- " + n + "\n")
		}
	}
	return b.String()
}

// cell keeps a value inside its Markdown cell.
func cell(s string) string {
	if s == "" {
		return "—"
	}
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// fmtDur is the one duration format of the page (lanprobe's gap causes use it too).
func fmtDur(d time.Duration) string { return lanprobe.FormatDuration(d) }
