#!/usr/bin/env bash
# Boots the cached Debian 12 guest (build.sh) with systemd as PID 1 under
# QEMU's software emulation and runs one payload in it:
#
#   bash testdata/debian/run.sh PAYLOAD_DIR
#
# PAYLOAD_DIR is shared read-only over 9p and mounted on /payload in the
# guest; the guest's rewire-test.service runs /payload/run (as root, after
# the boot, stdin /dev/null) and reports every line it prints. Lines
# "ok - ..." and "not ok - ..." are counted. /payload/run exiting 100 reboots
# the guest and runs it again ($REWIRE_BOOT is 1, 2, ...); any other exit
# ends the run (non-zero counts as a failure) and powers the guest off.
# The guest's disk is a throw-away qcow2 overlay of the cached image, kept
# across the guest's reboots, dropped at the end.
#
# REWIRE_DEBIAN_NICS=N (or a file PAYLOAD_DIR/nics saying N) gives the guest N virtio NICs (MACs 52:54:00:de:b0:00,
# :01, ...) on taps tap0.. in bridge lan0 of a network namespace made for
# this run (rewire-dvm-PID, never the machine's own); an executable
# PAYLOAD_DIR/host runs in that namespace before the boot (give lan0 an
# address, start a DHCP server there), and every process left in it is
# killed and the namespace deleted at the end.
#
# Prints the guest's lines as they come, then "debian-vm: N passed, M failed";
# exits non-zero on a failure, a missing result or a timeout
# (REWIRE_DEBIAN_TIMEOUT seconds, else PAYLOAD_DIR/timeout, else 900), showing the console's tail.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
vm_timeout=${REWIRE_DEBIAN_TIMEOUT:-}
mem=${REWIRE_DEBIAN_MEM:-1024}
# qemu64, not max: measured here, the guest reaches its payload ~8 s sooner
# under TCG (29 s against 37 s) and powers off sooner.
cpu=${REWIRE_DEBIAN_CPU:-qemu64}

log() { echo "debian-vm: $*" >&2; }

payload=${1:?usage: run.sh PAYLOAD_DIR}
payload=$(cd "$payload" && pwd)
# A payload's own bound (a file `timeout` saying seconds), else 900.
vm_timeout=${vm_timeout:-$(cat "$payload/timeout" 2>/dev/null || echo 900)}
[ -x "$payload/run" ] || { log "$payload/run is not an executable"; exit 2; }
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
command -v qemu-img >/dev/null || missing+=(qemu-utils)
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
img=$(bash "$here/build.sh")

work=$(mktemp -d /var/tmp/rewire-debian-run.XXXXXX)
qpid= ns=
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null || true
	if [ -n "$ns" ]; then
		local p
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		ip netns del "$ns" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP # and clean up: QEMU, the namespace, the overlay
nics=${REWIRE_DEBIAN_NICS:-$(cat "$payload/nics" 2>/dev/null || echo 0)}
netargs=() inns=()
if [ "$nics" -gt 0 ]; then
	ns=rewire-dvm-$$
	ip netns add "$ns"
	inns=(ip netns exec "$ns")
	ip -n "$ns" link set lo up
	ip -n "$ns" link add lan0 type bridge
	ip -n "$ns" link set lan0 up
	for ((i = 0; i < nics; i++)); do
		ip -n "$ns" tuntap add dev "tap$i" mode tap
		ip -n "$ns" link set "tap$i" master lan0 up
		netargs+=(-netdev "tap,id=n$i,ifname=tap$i,script=no,downscript=no"
			-device "virtio-net-pci,netdev=n$i,mac=52:54:00:de:b0:$(printf %02x "$i")")
	done
	if [ -x "$payload/host" ]; then
		REWIRE_DEBIAN_NETNS=$ns REWIRE_DEBIAN_WORK=$work "${inns[@]}" "$payload/host" ||
			{ log "$payload/host failed"; exit 1; }
	fi
fi
qemu-img create -q -f qcow2 -b "$img/root.img" -F raw "$work/disk.qcow2"
kernel=$img/vmlinux
[ -s "$kernel" ] || kernel=$img/vmlinuz
: > "$work/results"
: > "$work/console"

start=$(date +%s.%N)
# ttyS0: the console (kernel, systemd); ttyS1: the payload's lines only.
timeout --kill-after=10 "$vm_timeout" "${inns[@]}" qemu-system-x86_64 -M q35 -accel tcg -cpu "$cpu" -m "$mem" -smp 1 \
	-nodefaults -nographic -monitor none \
	-kernel "$kernel" -initrd "$img/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 quiet loglevel=3 systemd.show_status=false rd.udev.log_level=3 panic=-1 mitigations=off" \
	-drive "file=$work/disk.qcow2,if=virtio,format=qcow2,cache=unsafe,discard=unmap" \
	-virtfs "local,path=$payload,mount_tag=payload,security_model=none,readonly=on" \
	-serial "file:$work/console" -serial "file:$work/results" "${netargs[@]}" \
	</dev/null >"$work/qemu.out" 2>&1 &
qpid=$!
# The guest's lines as they come (the results file grows until QEMU exits).
tail -n +1 -s 0.2 -F --pid="$qpid" "$work/results" 2>/dev/null | sed -u 's/\r$//' &
tpid=$!
qrc=0
wait "$qpid" || qrc=$?
qpid=
wait "$tpid" 2>/dev/null || true
end=$(date +%s.%N)
secs=$(awk "BEGIN{printf \"%.1f\", $end-$start}")

res=$(tr -d '\r' < "$work/results")
pass=$(grep -c '^ok ' <<<"$res" || true)
fail=$(grep -c '^not ok ' <<<"$res" || true)
done_rc=$(sed -n 's/^# payload-done \([0-9]*\)$/\1/p' <<<"$res" | tail -n1)
bad=
if [ -z "$done_rc" ]; then
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		log "timeout after ${vm_timeout}s: the payload did not finish"
	else
		log "the guest ended without a result (qemu exit $qrc: hang, panic or no payload)"
	fi
	bad=1
elif [ "$done_rc" != 0 ]; then
	log "/payload/run exited $done_rc"
	bad=1
fi
[ "$fail" = 0 ] || bad=1
[ "$pass" -gt 0 ] || [ -n "$bad" ] || { log "the payload reported no ok line"; bad=1; }
if [ -n "$bad" ]; then
	log "console (tail):"
	tail -n 40 "$work/console" | tr -d '\r' >&2
	[ -s "$work/qemu.out" ] && cat "$work/qemu.out" >&2
	[ -z "$done_rc" ] && fail=$((fail + 1))
fi
log "guest ran ${secs}s"
echo "debian-vm: $pass passed, $fail failed"
[ -z "$bad" ]
