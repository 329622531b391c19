package managertest

import (
	"os/exec"
	"testing"
)

// Need skips the test unless every program is installed, naming the
// script that installs them (testdata/managers/install.sh).
func Need(t testing.TB, progs ...string) {
	t.Helper()
	for _, p := range progs {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is not installed: run testdata/managers/install.sh", p)
		}
	}
}
