package managertest

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
)

// Networkd is a running systemd-networkd.
type Networkd struct{ Daemon *Daemon }

// NetworkdBinary is where Debian installs systemd-networkd.
const NetworkdBinary = "/lib/systemd/systemd-networkd"

// StartNetworkd writes files (name → content) into the sandbox's
// /etc/systemd/network and starts systemd-networkd there (no D-Bus: it
// needs none for links and leases). Its state is under the sandbox's
// run/systemd/netif. A netplan test generates into run/systemd/network
// first and passes no files.
func StartNetworkd(t testing.TB, sb *Sandbox, files map[string]string) *Networkd {
	t.Helper()
	Need(t, NetworkdBinary, "unshare")
	for name, body := range files {
		sb.WriteFile("etc/systemd/network/"+name, body, 0o644)
	}
	// networkd drops to systemd-network and writes its state there, as
	// the unit's RuntimeDirectory would have made it.
	u, err := user.Lookup("systemd-network")
	if err != nil {
		t.Skip("no systemd-network user: is systemd installed?")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, d := range []string{"systemd/netif", "systemd/netif/links", "systemd/netif/leases", "systemd/netif/lldp"} {
		p := filepath.Join(sb.Run, d)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		os.Chown(p, uid, gid)
	}
	d := Start(t, sb.T, sb.Dir, "systemd-networkd", sb.Command(NetworkdBinary))
	return &Networkd{Daemon: d}
}

// NetplanGenerate runs `netplan generate --root-dir` over the sandbox:
// YAML (name → content) into etc/netplan, the renderer's files into
// run/systemd/network or run/NetworkManager/system-connections.
func NetplanGenerate(t testing.TB, sb *Sandbox, yaml map[string]string) {
	t.Helper()
	Need(t, "netplan", NetworkdBinary)
	for name, body := range yaml {
		sb.WriteFile("etc/netplan/"+name, body, 0o600)
	}
	out, err := sb.T.Run(nil, "netplan", "generate", "--root-dir", sb.Dir)
	if err != nil {
		t.Fatalf("netplan generate: %v\n%s", err, out)
	}
}
