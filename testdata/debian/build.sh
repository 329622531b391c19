#!/usr/bin/env bash
# Builds, once, a Debian 12 (bookworm) guest with systemd as PID 1 for the
# tests that need a real init (transient units, scopes, reboots), and
# prints the directory it is cached in:
#
#   bash testdata/debian/build.sh        # -> /var/cache/rewire-debian/<key>
#
# The root filesystem comes from Debian packages through the machine's own
# apt sources (mmdebstrap --mode=root --variant=apt), is made an ext4 image
# (mkfs.ext4 -d) and its kernel and initrd are taken out beside it:
#
#   <key>/root.img      ext4, the guest's /dev/vda (never written: run.sh
#                       boots a throw-away qcow2 overlay of it)
#   <key>/vmlinux       the kernel, unpacked (QEMU boots the ELF through its
#                       PVH entry and skips decompressing under emulation)
#   <key>/vmlinuz       the kernel as packaged (the fallback)
#   <key>/initrd.img    Debian's initramfs (virtio_blk, ext4)
#   <key>/info          what was built, when, in how long
#
# The key is a hash of this script (its package list and every guest file it
# writes): editing it builds a new image; old keys stay until removed. With
# the cache present it only hashes and checks, asks no registry, and takes a
# few milliseconds. Installs mmdebstrap, e2fsprogs and qemu-utils with
# apt-get when they are missing.
#
# The guest: no getty, no network manager started (network-manager and
# ifupdown are installed but disabled, for the payloads that enable them),
# apt/man/fstrim timers masked; the 9p share tagged "payload" is mounted
# read-only on /payload, and rewire-test.service runs /payload/run once per
# boot, sends every line it prints to the second serial port (ttyS1,
# reopened for each line) and powers off -- or reboots when /payload/run
# exits 100 (README.md in this directory).
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
cache=${REWIRE_DEBIAN_CACHE:-/var/cache/rewire-debian}
suite=bookworm

# systemd-sysv: systemd as /sbin/init. udev, dbus: what systemd-run, logind
# and NetworkManager talk to. libvirt0: the rewire binary links libvirt.
# kmod: modprobe for 9p and dummy. network-manager, ifupdown: for the tests
# of the host's own network managers (disabled at boot); netplan.io (its
# networkd renderer), isc-dhcp-client (ifupdown's `inet dhcp`), bridge-utils
# and ifenslave (ifupdown's bridge_* and bond-* options). libpam-systemd:
# `runuser -l` opens a real logind session (session-N.scope).
packages=(systemd-sysv udev dbus kmod iproute2 iptables passwd procps
	linux-image-amd64 initramfs-tools libvirt0 libpam-systemd network-manager ifupdown
	netplan.io isc-dhcp-client bridge-utils ifenslave)

log() { echo "debian-vm: $*" >&2; }

key=$(cat "$0" | sha256sum | cut -c1-16)
dir=$cache/$key
if [ -s "$dir/root.img" ] && [ -s "$dir/initrd.img" ] && [ -s "$dir/vmlinuz" ]; then
	echo "$dir"
	exit 0
fi

apt_updated=
need() { # need PACKAGE...: install those not installed
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	log "installing ${missing[*]}"
	[ -n "$apt_updated" ] || { apt-get update -qq >/dev/null; apt_updated=1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
need mmdebstrap e2fsprogs qemu-utils

# The machine's own apt sources, as they are.
sources=()
for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -s "$f" ] && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || { log "no apt sources on this machine"; exit 1; }

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # two builds at once: the second waits and finds the first's
if [ -s "$dir/root.img" ] && [ -s "$dir/initrd.img" ] && [ -s "$dir/vmlinuz" ]; then
	echo "$dir"
	exit 0
fi
log "building the Debian $suite guest (once; cached in $dir)"
start=$(date +%s.%N)
tmp=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf --one-file-system "$tmp"' EXIT
root=$tmp/root
include=$(IFS=,; echo "${packages[*]}")

# Not needed in a guest without display, sound or radios: smaller root
# filesystem and initrd, a faster boot.
excludes=()
for p in '/usr/share/doc/*' '/usr/share/man/*' '/usr/share/info/*' '/usr/share/locale/*' \
	'/lib/modules/*/kernel/drivers/gpu/*' '/lib/modules/*/kernel/drivers/media/*' \
	'/lib/modules/*/kernel/drivers/net/wireless/*' '/lib/modules/*/kernel/sound/*' \
	'/lib/modules/*/kernel/drivers/infiniband/*' '/lib/modules/*/kernel/drivers/staging/*' \
	'/lib/modules/*/kernel/drivers/bluetooth/*' '/lib/modules/*/kernel/net/bluetooth/*' \
	'/lib/modules/*/kernel/drivers/isdn/*' '/lib/modules/*/kernel/net/wireless/*' \
	'/lib/modules/*/kernel/net/mac80211/*'; do
	excludes+=("--dpkgopt=path-exclude=$p")
done
excludes+=('--dpkgopt=path-include=/usr/share/doc/*/copyright')

# A small initrd (the disk and its filesystem only, not MODULES=most): the
# kernel unpacks it and udev coldplugs it under emulation at every boot.
# (A customize hook: mmdebstrap mounts /proc, /sys, /dev in the chroot.)
initrd_hook='echo MODULES=list > "$1/etc/initramfs-tools/conf.d/rewire-test.conf" &&
	printf "%s\n" virtio_pci virtio_blk ext4 crc32c_generic >> "$1/etc/initramfs-tools/modules" &&
	chroot "$1" update-initramfs -u -k all >/dev/null 2>&1'
mmdebstrap --quiet --mode=root --variant=apt --include="$include" "${excludes[@]}" \
	--customize-hook="$initrd_hook" \
	"$suite" "$root" "${sources[@]}" >&2

# --- the guest's configuration -------------------------------------------
echo rewire-guest > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\trewire-guest\n' > "$root/etc/hosts"
# A machine id of its own: an empty one means "first boot" to systemd,
# which would apply the presets and enable every installed service.
echo "$key$key" > "$root/etc/machine-id"
passwd -R "$root" -d root >/dev/null

cat > "$root/etc/fstab" <<'FSTAB'
/dev/vda  /         ext4  rw,noatime,errors=remount-ro                 0 0
payload   /payload  9p    trans=virtio,version=9p2000.L,ro,nofail,msize=262144  0 0
FSTAB
mkdir -p "$root/payload" "$root/var/lib/rewire-payload"
# The 9p transport binds to the virtio device once loaded; dummy for tests.
printf '9pnet_virtio\n9p\n' > "$root/etc/modules-load.d/rewire-payload.conf"

cat > "$root/usr/local/sbin/rewire-test-runner" <<'RUNNER'
#!/bin/bash
# Runs /payload/run once per boot and reports every line it prints on the
# second serial port (the host's results file); powers off when it is done,
# reboots when it exits 100 (it keeps its phase under $REWIRE_PAYLOAD_STATE,
# on the guest's disk, which a reboot keeps).
state=/var/lib/rewire-payload
max_boots=5
mkdir -p "$state"
boot=$(( $(cat "$state/boots" 2>/dev/null || echo 0) + 1 ))
echo "$boot" > "$state/boots"
sync
# Reopened for each line: nothing holds the port open across a hangup.
say() { printf '%s\n' "$*" > /dev/ttyS1; printf '%s\n' "$*" >> "$state/output"; }
finish() { # finish RC
	say "# payload-done $1"
	sync
	systemctl poweroff --no-block
	exit 0
}
up=$(cut -d' ' -f1 /proc/uptime)
say "# boot $boot, payload starts ${up}s after the kernel"
if [ "$boot" -gt "$max_boots" ]; then
	say "not ok - the payload asked for more than $((max_boots - 1)) reboots"
	finish 1
fi
if [ ! -x /payload/run ]; then
	say "not ok - no executable /payload/run (is the 9p share mounted?)"
	finish 1
fi
# The rest of the boot first (logind, dbus): a payload sees a booted system.
timeout 120 systemctl is-system-running --wait >/dev/null 2>&1
cd /payload
export REWIRE_BOOT=$boot REWIRE_PAYLOAD_STATE=$state HOME=/root PATH=/payload:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
/payload/run </dev/null 2>&1 | while IFS= read -r line; do say "$line"; done
rc=${PIPESTATUS[0]}
if [ "$rc" = 100 ]; then
	say "# reboot requested (boot $boot)"
	sync
	systemctl reboot --no-block
	exit 0
fi
finish "$rc"
RUNNER
chmod 755 "$root/usr/local/sbin/rewire-test-runner"

cat > "$root/etc/systemd/system/rewire-test.service" <<'UNIT'
[Unit]
Description=rewire test payload (/payload/run)
Wants=dbus.service systemd-logind.service
After=basic.target dbus.service systemd-logind.service payload.mount
RequiresMountsFor=/payload

[Service]
Type=exec
ExecStart=/usr/local/sbin/rewire-test-runner
StandardOutput=journal
StandardError=journal
# The payload kills scopes and starts units; only the runner is this unit.
KillMode=mixed

[Install]
WantedBy=multi-user.target
UNIT
systemctl --root="$root" enable rewire-test.service >/dev/null 2>&1
# What slows a boot or starts on its own; the network managers stay
# installed for the payloads that start them.
systemctl --root="$root" disable NetworkManager.service NetworkManager-wait-online.service \
	networking.service >/dev/null 2>&1 || true
systemctl --root="$root" mask getty@.service serial-getty@.service \
	apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
	e2scrub_reap.service fstrim.timer logrotate.timer man-db.timer \
	systemd-networkd-wait-online.service ifupdown-wait-online.service >/dev/null 2>&1 || true
mkdir -p "$root/etc/systemd/system.conf.d"
cat > "$root/etc/systemd/system.conf.d/rewire-test.conf" <<'CONF'
[Manager]
ShowStatus=no
DefaultTimeoutStopSec=15s
CONF
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*_Packages 2>/dev/null || true

# --- kernel, initrd, image ---------------------------------------------------
# extract_vmlinux finds the compressed payload inside a bzImage and unpacks
# it (as testdata/kernel/run.sh and the kernel's scripts/extract-vmlinux do).
is_elf() { [ "$(head -c4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }
extract_vmlinux() {
	local img=$1 out=$2 pair hex cmd off
	for pair in '1f8b08:gunzip' 'fd377a585a00:unxz' '5d000000:unlzma' '28b52ffd:unzstd' '02214c18:lz4 -d'; do
		hex=${pair%%:*}; cmd=${pair#*:}
		for off in $(LC_ALL=C grep -aboP "$(echo "$hex" | sed 's/../\\x&/g')" "$img" | cut -d: -f1); do
			tail -c+$((off + 1)) "$img" | $cmd > "$out" 2>/dev/null || true
			if is_elf "$out"; then return 0; fi
		done
	done
	return 1
}
ver=$(ls "$root/lib/modules" | sort -V | tail -n1)
[ -s "$root/boot/vmlinuz-$ver" ] && [ -s "$root/boot/initrd.img-$ver" ] || { log "no kernel/initrd for $ver in the root filesystem"; exit 1; }
out=$tmp/out
mkdir -p "$out"
cp "$root/boot/vmlinuz-$ver" "$out/vmlinuz"
cp "$root/boot/initrd.img-$ver" "$out/initrd.img"
extract_vmlinux "$out/vmlinuz" "$out/vmlinux" || { log "no vmlinux in vmlinuz: booting the bzImage"; rm -f "$out/vmlinux"; }
size_mb=$(( $(du -sm "$root" | cut -f1) * 3 / 2 + 512 ))
mkfs.ext4 -q -F -L rewire-root -E lazy_itable_init=0 -d "$root" "$out/root.img" "${size_mb}M"
end=$(date +%s.%N)
{
	echo "suite=$suite kernel=$ver"
	echo "packages=${packages[*]}"
	echo "built=$(date -u +%FT%TZ) seconds=$(awk "BEGIN{printf \"%.1f\", $end-$start}")"
	echo "rootfs_mb=$(du -sm "$root" | cut -f1) image_mb=$size_mb"
} > "$out/info"
rm -rf "$dir"
mv "$out" "$dir"
log "built in $(awk "BEGIN{printf \"%.0f\", $end-$start}") s: $(tr '\n' ' ' < "$dir/info")"
echo "$dir"
