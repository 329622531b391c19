package bench

import (
	"strconv"
	"time"

	"rewire/bindings/tx"
)

// clockTick is the kernel's USER_HZ, the unit of /proc/PID/stat's times.
const clockTick = 10 * time.Millisecond

// procCPU is the CPU time (user + system) process pid has used so far,
// from /proc/PID/stat; 0 when it cannot be read.
func procCPU(pid int) time.Duration {
	f := tx.ProcStat(pid) // f[0] is field 3: utime and stime are fields 14 and 15
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * clockTick
}

// daemonCPU runs job and returns the CPU time process pid spent meanwhile.
func daemonCPU(pid int, job func() error) (time.Duration, error) {
	before := procCPU(pid)
	err := job()
	return procCPU(pid) - before, err
}
