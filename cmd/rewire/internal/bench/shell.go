package bench

import (
	"fmt"
	"os"
	"path/filepath"
)

// The baseline: the S2 migration as the field guides type it, one `ip`
// command per step, and the way back an admin types when the check fails.
const (
	shellMigrate = `set -e
ip link add br0 type bridge stp_state 0 forward_delay 0
ip link set br0 up
ip link set eth0 master br0
ip addr del 10.0.0.111/24 dev eth0
ip addr add 10.0.0.111/24 dev br0
ip route add default via 10.0.0.1 dev br0
`
	shellRevert = `set -e
ip addr del 10.0.0.111/24 dev br0
ip link set eth0 nomaster
ip addr add 10.0.0.111/24 dev eth0
ip route add default via 10.0.0.1 dev eth0
ip link del br0
`
)

// writeScripts puts the baseline scripts in dir and returns their paths.
func writeScripts(dir string) (migrate, revert string, err error) {
	migrate, revert = filepath.Join(dir, "migrate.sh"), filepath.Join(dir, "revert.sh")
	for path, body := range map[string]string{migrate: shellMigrate, revert: shellRevert} {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			return "", "", fmt.Errorf("baseline script: %w", err)
		}
	}
	return migrate, revert, nil
}
