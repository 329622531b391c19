package tx

import (
	"os"
	"strconv"
	"strings"
)

// ProcStart returns a process's start time in clock ticks after boot
// (field 22 of /proc/PID/stat), 0 if the process is gone. With the pid it
// names one process for the life of a boot: pids are reused, this is not.
func ProcStart(pid int) uint64 {
	f := ProcStat(pid)
	if len(f) < 20 { // f[0] is field 3 (state), so field 22 is f[19]
		return 0
	}
	n, _ := strconv.ParseUint(f[19], 10, 64)
	return n
}

// ProcStat is /proc/PID/stat from field 3 (state) on, nil if the process
// is gone. The command name (field 2) may hold spaces and parentheses:
// fields are counted after its closing parenthesis.
func ProcStat(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// OwnerAlive reports whether the process that began the transaction is
// still running: same pid, same start time.
func (s *Summary) OwnerAlive() bool {
	if s.PID <= 0 {
		return false
	}
	st := ProcStart(s.PID)
	return st != 0 && (s.OwnerStart == 0 || st == s.OwnerStart)
}
