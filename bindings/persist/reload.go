package persist

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"rewire/bindings/errkind"
	"rewire/bindings/host"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

// reloadKind is NetworkManager reading its profiles again once a
// rollback has put the old files back (the change is journaled before
// the writes, so its undo runs after theirs).
var reloadKind = tx.NewKind("persist.nm-reload", func(_ *target.Target, r reload) error {
	if err := nmcliReload(r.Bus); err != nil && !strings.Contains(err.Error(), "not running") {
		return err
	}
	return nil
}, tx.KindOptions[reload]{OutlivesBoot: true})

type reload struct {
	Bus string `json:"bus"` // the system bus NetworkManager is on
}

func busOf(r host.Roots) string {
	if r.Bus != "" {
		return r.Bus
	}
	return "unix:path=" + filepath.Join(r.Run, "dbus/system_bus_socket")
}

func nmRuns(hds map[string]host.Device) bool {
	for _, hd := range hds {
		if hd.Manager == host.NetworkManager {
			return true
		}
	}
	return false
}

func reloadAtRollback(s *tx.Session, r host.Roots) error {
	return reloadKind.Apply(s, "nm-profiles:"+r.Etc, "reload NetworkManager's profiles after persisting (and after a rollback restores them)",
		reload{Bus: busOf(r)}, func() error { return nil })
}

func reloadNM(r host.Roots) error { return nmcliReload(busOf(r)) }

// nmcliReload is `nmcli connection reload` on the given system bus: NM
// reads the changed files; it does not reactivate anything.
func nmcliReload(bus string) error {
	if _, err := exec.LookPath("nmcli"); err != nil {
		return nil
	}
	cmd := exec.Command("nmcli", "connection", "reload")
	cmd.Env = append(os.Environ(), "DBUS_SYSTEM_BUS_ADDRESS="+bus)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return errkind.System("nmcli connection reload: %s", strings.Join(strings.Fields(out.String()), " "))
	}
	return nil
}
