package main

import (
	"os"
	"strings"
	"testing"
)

// run --persist on a host whose devices no manager owns: persisting
// fails with the one line naming the device and what was found, nothing
// is written, and the script's change is rolled back with it.
func TestRunPersistWithNoManagerRollsBack(t *testing.T) {
	host, _ := crashHost(t)
	before := fullState(t, host)
	env := []string{"PATH=" + os.Getenv("PATH"), "REWIRE_STATE_DIR=" + t.TempDir()}
	out, _, err := rewireIn(t, host, env, "run", "--persist", "-e", `link.set("eth0", {mtu = 1400})`)
	if err == nil || !strings.Contains(out, "persist: eth0: no network manager owns it") || !strings.Contains(out, "- undo 1 set link eth0 mtu 1400: ok") {
		t.Fatalf("want the persist refusal and the rollback, got %v:\n%s", err, out)
	}
	if after := fullState(t, host); after != before {
		t.Fatalf("host changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
