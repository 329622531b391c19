package host

import (
	"os"
	"strconv"
	"strings"

	"rewire/bindings/target"
)

// proc is a process in the target's network namespace.
type proc struct {
	PID  int
	Comm string
	Argv []string
}

// processes lists the processes whose network namespace is the target's
// (what `ip netns pids` does), with their names and arguments.
func processes(tg *target.Target) []proc {
	var want string
	tg.Do(func() error {
		want, _ = os.Readlink("/proc/thread-self/ns/net")
		return nil
	})
	if want == "" {
		return nil
	}
	ents, _ := os.ReadDir("/proc")
	var out []proc
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		dir := "/proc/" + e.Name()
		if l, err := os.Readlink(dir + "/ns/net"); err != nil || l != want {
			continue
		}
		pid, _ := strconv.Atoi(e.Name())
		comm, _ := os.ReadFile(dir + "/comm")
		p := proc{PID: pid, Comm: strings.TrimSpace(string(comm))}
		if !interesting[p.Comm] {
			continue
		}
		if b, err := os.ReadFile(dir + "/cmdline"); err == nil {
			p.Argv = strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		}
		out = append(out, p)
	}
	return out
}

// interesting are the process names detection looks for (comm is cut at
// 15 characters: systemd-networkd is "systemd-network").
var interesting = map[string]bool{
	"NetworkManager": true, "systemd-network": true, "firewalld": true,
	"dhclient": true, "dhcpcd": true, "udhcpc": true,
}

// named returns the first process called comm.
func named(ps []proc, comm string) (proc, bool) {
	for _, p := range ps {
		if p.Comm == comm {
			return p, true
		}
	}
	return proc{}, false
}
