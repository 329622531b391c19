package lanprobe

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"rewire/bindings/tx"
)

// Span is one journaled change as the wall clock saw it: from its intent
// record (prior state read, about to apply) to its done record.
type Span struct {
	Desc       string
	From, Till time.Time
}

// LastSpans reads the steps of the newest transaction journaled in the
// state directory sd: the journal is the run's own trace, timestamped as
// each change starts and ends.
func LastSpans(sd string) ([]Span, error) {
	files, _ := filepath.Glob(filepath.Join(sd, "journal", "*.jsonl"))
	if len(files) == 0 {
		return nil, fmt.Errorf("no journal in %s", sd)
	}
	sort.Slice(files, func(i, j int) bool {
		a, _ := os.Stat(files[i])
		b, _ := os.Stat(files[j])
		return a.ModTime().Before(b.ModTime())
	})
	f, err := os.Open(files[len(files)-1])
	if err != nil {
		return nil, err
	}
	defer f.Close()
	bySeq := map[int]*Span{}
	var out []*Span
	var begun *Span
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r tx.Record
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			continue
		}
		switch r.T {
		case "begin":
			// From the begin record to the first intent: the journal
			// made durable and the guardian started and armed.
			begun = &Span{Desc: "begin the transaction, arm the guardian", From: r.Time, Till: r.Time}
			out = append(out, begun)
		case "intent":
			if begun != nil && len(out) == 1 {
				begun.Till = r.Time
			}
			s := &Span{Desc: r.Desc, From: r.Time, Till: r.Time}
			bySeq[r.Seq] = s
			out = append(out, s)
		case "done":
			if s := bySeq[r.Seq]; s != nil {
				s.Till = r.Time
			}
		}
	}
	spans := make([]Span, len(out))
	for i, s := range out {
		spans[i] = *s
	}
	return spans, sc.Err()
}

// GapCause says which changes ran during the LAN's longest silence
// [from, to] and for how long each overlapped it; the rest of the
// silence is time between changes (the script, reads, the kernel
// settling after the last change).
func GapCause(from, to time.Time, spans []Span) string {
	var parts []string
	covered := time.Duration(0)
	for _, s := range spans {
		a, b := later(s.From, from), earlier(s.Till, to)
		if b.Before(a) || (b.Equal(a) && !s.From.Equal(s.Till)) {
			continue
		}
		d := b.Sub(a)
		covered += d
		parts = append(parts, fmt.Sprintf("%q %s", s.Desc, FormatDuration(d)))
	}
	rest := to.Sub(from) - covered
	if len(parts) == 0 {
		return fmt.Sprintf("%s, during no change (%s)", FormatDuration(to.Sub(from)), outside(from, spans))
	}
	return fmt.Sprintf("%s: %s; between or after changes %s", FormatDuration(to.Sub(from)), strings.Join(parts, ", "), FormatDuration(rest))
}

// outside places a silence that overlapped no change: before the first,
// after the last, or between two.
func outside(at time.Time, spans []Span) string {
	if len(spans) == 0 || at.Before(spans[0].From) {
		return "before the first change"
	}
	for i := len(spans) - 1; i >= 0; i-- {
		if !at.Before(spans[i].Till) {
			return fmt.Sprintf("%s after %q ended", FormatDuration(at.Sub(spans[i].Till)), spans[i].Desc)
		}
	}
	return "between changes"
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
