package host

import (
	"os"
	"os/exec"
)

// SystemdIsInit reports whether systemd is PID 1 (sd_booted's test:
// /run/systemd/system is a directory) and systemd-run is there to start
// a transient unit: a process that must outlive rewire and its login
// session (the guardian, a moved DHCP client) is started as one then.
// REWIRE_GUARDIAN=setsid chooses setsid instead, for both.
func SystemdIsInit() bool {
	if os.Getenv("REWIRE_GUARDIAN") == "setsid" {
		return false
	}
	if fi, err := os.Stat("/run/systemd/system"); err != nil || !fi.IsDir() {
		return false
	}
	_, err := exec.LookPath("systemd-run")
	return err == nil
}
