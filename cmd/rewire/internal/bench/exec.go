package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"rewire/bindings/target"
)

// Proc is one finished program: how long it ran and what it printed.
type Proc struct {
	Took time.Duration
	Out  string
}

// runProc runs argv inside tg's namespace (nil: this one) with stdin from
// /dev/null, timing it from start to exit.
func runProc(tg *target.Target, env []string, argv ...string) (Proc, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(), env...)
	start := time.Now()
	var err error
	if tg != nil {
		err = tg.Start(cmd)
	} else {
		err = cmd.Start()
	}
	if err != nil {
		return Proc{}, fmt.Errorf("%s: %w", argv[0], err)
	}
	err = cmd.Wait()
	p := Proc{Took: time.Since(start), Out: out.String()}
	if err != nil {
		return p, fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, lastLine(p.Out))
	}
	return p, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// rssMeter measures peak RSS with `busybox time -v` (wait4's rusage, which
// for a shell includes its largest waited-for child). Not our own wait4: a
// child this process spawns starts on a share of this process's memory,
// which rusage would count.
type rssMeter struct {
	scale int64 // busybox takes ru_maxrss (KiB) for pages; scale undoes it
}

// newRSSMeter calibrates on /usr/bin/true (about 1 MiB): a busybox that
// multiplies KiB by the page size in KiB reports 4 MiB or more for it.
func newRSSMeter() (*rssMeter, error) {
	m := &rssMeter{scale: 1}
	raw, err := m.peak(nil, "true")
	if err != nil {
		return nil, err
	}
	if raw >= 3*1024 {
		m.scale = int64(os.Getpagesize() / 1024)
	}
	return m, nil
}

// peak runs argv inside tg (nil: here) and returns its peak RSS in KiB.
func (m *rssMeter) peak(tg *target.Target, argv ...string) (int64, error) {
	p, err := runProc(tg, nil, append([]string{"busybox", "time", "-v"}, argv...)...)
	if err != nil {
		return 0, err
	}
	kb, err := parseMaxRSS(p.Out)
	return kb / m.scale, err
}

// parseMaxRSS reads "Maximum resident set size (kbytes): N" from time -v.
func parseMaxRSS(out string) (int64, error) {
	const key = "Maximum resident set size (kbytes):"
	for _, l := range strings.Split(out, "\n") {
		if i := strings.Index(l, key); i >= 0 {
			return strconv.ParseInt(strings.TrimSpace(l[i+len(key):]), 10, 64)
		}
	}
	return 0, fmt.Errorf("time -v printed no maximum resident set size")
}
