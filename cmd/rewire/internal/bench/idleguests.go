package bench

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// idleGuests puts every thread of the QEMU processes of libvirtd pid
// (those in its network namespace: libvirt daemonizes them) at SCHED_IDLE and returns how many processes it changed. Under
// TCG a guest that waits (iPXE polling for a lease, firmware with nothing
// to boot) spins a core, where a KVM guest halts; at SCHED_IDLE it only
// runs when the host has nothing else to do, as an idle KVM guest costs
// nothing: the bench then measures the jobs, not the emulator beside them.
func idleGuests(pid int) int {
	if pid <= 0 {
		return 0
	}
	ns, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/net")
	if err != nil {
		return 0
	}
	n := 0
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil || !strings.HasPrefix(commOf(e.Name()), "qemu-system") {
			continue
		}
		if l, _ := os.Readlink("/proc/" + e.Name() + "/ns/net"); l != ns {
			continue
		}
		tasks, _ := filepath.Glob("/proc/" + e.Name() + "/task/*")
		for _, t := range tasks {
			if tid, err := strconv.Atoi(filepath.Base(t)); err == nil {
				setIdle(tid)
			}
		}
		n++
	}
	return n
}

func commOf(pid string) string {
	b, _ := os.ReadFile("/proc/" + pid + "/comm")
	return strings.TrimSpace(string(b))
}

// setIdle is sched_setscheduler(tid, SCHED_IDLE), best effort.
func setIdle(tid int) {
	param := struct{ prio int32 }{0}
	unix.Syscall(unix.SYS_SCHED_SETSCHEDULER, uintptr(tid), 5 /* SCHED_IDLE */, uintptr(unsafe.Pointer(&param)))
}
