package managertest

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"rewire/bindings/target"
)

// EndAll ends every process whose network namespace is tg's (SIGTERM,
// then SIGKILL): what a daemon forked off (dhclient from ifup, NM's
// helpers) dies with the test too. The test process itself is spared.
func EndAll(t testing.TB, tg *target.Target) {
	pids := InNamespace(tg)
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGTERM)
	}
	deadline := time.Now().Add(3 * time.Second)
	for _, p := range pids {
		for alive(p) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if alive(p) {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}
}

// InNamespace lists the processes whose network namespace is tg's.
func InNamespace(tg *target.Target) []int {
	want := nsLink(tg)
	if want == "" {
		return nil
	}
	self := os.Getpid()
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if l, err := os.Readlink("/proc/" + e.Name() + "/ns/net"); err == nil && l == want {
			out = append(out, pid)
		}
	}
	return out
}

// nsLink is tg's namespace as /proc/PID/ns/net reads ("net:[INODE]"); ""
// for the machine's own, whose processes are never ours to end.
func nsLink(tg *target.Target) string {
	if tg.NetnsPath == "" {
		return ""
	}
	var st syscall.Stat_t
	if err := syscall.Stat(tg.NetnsPath, &st); err != nil {
		return ""
	}
	return "net:[" + strconv.FormatUint(st.Ino, 10) + "]"
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || !strings.HasPrefix(s[i+1:], " Z")
}
