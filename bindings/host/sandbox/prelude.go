// Package sandbox is how rewire runs a real network manager inside a
// network namespace it made (the lab host, a test's host): the shell
// prelude that `unshare -m --propagation private -u` runs before the
// daemon, shared by the lab and the test kit so that both refuse the
// machine's own namespace the same way.
package sandbox

import "strings"

// Prelude is the script run as `sh -c PRELUDE sh MACHINENS DIR argv...`:
// it refuses the machine's own network namespace (MACHINENS, and PID
// 1's), binds DIR over the managers' paths (/etc/NetworkManager,
// /etc/systemd/network, /etc/network, /etc/netplan, /var/lib/…, then
// /run, with DIR kept at its path when it is under /run), mounts
// a fresh read-only sysfs (this namespace's devices, no udev to wait
// for), names the UTS namespace hostname and execs argv. who names the
// caller in the refusal.
func Prelude(who, hostname string) string {
	return strings.NewReplacer("WHO", who, "HOSTNAME", hostname).Replace(`set -e
machinens=$1 D=$2; shift 2
self=$(readlink /proc/self/ns/net)
if [ -z "$self" ] || [ "$self" = "$machinens" ] || [ "$self" = "$(readlink /proc/1/ns/net)" ]; then
  echo "WHO: refusing to run $1 in the machine's own network namespace" >&2; exit 97
fi
for d in NetworkManager systemd/network network/interfaces.d netplan; do
  [ -d "/etc/$d" ] && mount --bind "$D/etc/$d" "/etc/$d"
done
[ -f /etc/network/interfaces ] && mount --bind "$D/etc/network/interfaces" /etc/network/interfaces
for d in NetworkManager dhcp; do
  [ -d "/var/lib/$d" ] && mount --bind "$D/var/lib/$d" "/var/lib/$d"
done
mount --bind "$D/etc/resolv.conf" /etc/resolv.conf
mount --bind "$D/empty" /usr/lib/systemd/network
# /run last, and D still at its own path after it when D is under /run
# (the lab's /run/rewire-lab/host): a daemon's argv may name files in D.
case "$D" in /run/*)
  mkdir -p "$D/run${D#/run}"; mount --bind "$D" "$D/run${D#/run}";;
esac
mount --rbind "$D/run" /run
mount -t sysfs -o ro sysfs /sys
hostname HOSTNAME
exec "$@"
`)
}
