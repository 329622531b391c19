#!/usr/bin/env bash
# Runs the tests that need a distro kernel (bonding, 802.1Q, dummy) inside
# Debian's own kernel booted under QEMU with software emulation, since the
# kernel this runs on may have none of them.
#
#   bash testdata/kernel/run.sh [go test -run pattern]
#   bash testdata/kernel/run.sh --bench [kernelcut flags]
#
# Steps: install QEMU and a static busybox if missing; fetch the kernel
# package linux-image-amd64 points at (downloaded and unpacked, never
# installed) and build an initramfs with its modules, cached by package
# name; build the test binaries static; boot; print their output. The
# verdict is the rc file the VM's /init writes: a missing one means the VM
# hung or panicked.
#
# --bench runs the bench's cut-over measurement (cmd/rewire/internal/bench/
# kernelcut) instead of the tests, on 2 vCPUs, with the host's iproute2 for
# its baseline script, and prints its JSON report on stdout; with
# REWIRE_KERNEL_KEEP=DIR it copies the CPU profiles kernelcut wrote into
# the share (kernelcut -cpuprofile /share/NAME) to DIR.
set -euo pipefail
export PATH=$PATH:/usr/local/go/bin:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${REWIRE_KERNEL_CACHE:-${XDG_CACHE_HOME:-/var/cache}/rewire-kernel}
vm_timeout=${REWIRE_KERNEL_TIMEOUT:-600}

# The packages whose tests need a distro kernel; they must build with CGO_ENABLED=0.
packages=(./bindings/bond ./bindings/vlan ./bindings/bond/kerneltest)

# Modules the tests use; their dependencies come along through modules.dep.
# xfrm_user and nfnetlink: a netlink handle opens those families too.
modules=(bonding dummy 8021q bridge veth 9p 9pnet_virtio virtio_pci xfrm_user nfnetlink)

log() { echo "kernel-vm: $*" >&2; }

apt_updated=
apt_install() {
	[ -n "$apt_updated" ] || { apt-get update -qq >/dev/null; apt_updated=1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_tools() {
	command -v qemu-system-x86_64 >/dev/null || apt_install qemu-system-x86
	dpkg -s busybox-static >/dev/null 2>&1 || apt_install busybox-static
	command -v dpkg-deb >/dev/null || { log "dpkg-deb is missing"; exit 1; }
}

# kernel_package is the versioned package linux-image-amd64 depends on.
kernel_package() {
	local p
	p=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	if [ -z "$p" ]; then
		apt-get update -qq >/dev/null; apt_updated=1
		p=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	fi
	[ -n "$p" ] || { log "cannot resolve linux-image-amd64 (apt-cache depends found nothing)"; exit 1; }
	echo "$p"
}

# extract_vmlinux finds the compressed payload inside a bzImage and
# unpacks it (as the kernel's scripts/extract-vmlinux does): QEMU boots the
# ELF through its PVH entry and skips decompressing under emulation.
extract_vmlinux() {
	local img=$1 out=$2 pair hex cmd off
	for pair in '1f8b08:gunzip' 'fd377a585a00:unxz' '5d000000:unlzma' '28b52ffd:unzstd' '02214c18:lz4 -d'; do
		hex=${pair%%:*}; cmd=${pair#*:}
		for off in $(LC_ALL=C grep -aboP "$(echo "$hex" | sed 's/../\\x&/g')" "$img" | cut -d: -f1); do
			tail -c+$((off + 1)) "$img" | $cmd > "$out" 2>/dev/null || true
			if is_elf "$out"; then return 0; fi
		done
	done
	log "could not extract vmlinux from $img"; exit 1
}

is_elf() { [ "$(head -c4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }

build_kernel() {
	local pkg=$1 dir=$cache/$pkg
	if [ -s "$dir/vmlinux" ] && [ -s "$dir/initrd.img" ]; then return; fi
	log "preparing $pkg (once; cached in $dir)"
	local tmp; tmp=$(mktemp -d)
	if ! (cd "$tmp" && apt-get download "$pkg" >/dev/null 2>&1); then
		# Stale package lists name a version the archive no longer has.
		apt-get update -qq >/dev/null
		(cd "$tmp" && apt-get download "$pkg" >/dev/null 2>&1) || { log "apt-get download $pkg failed"; exit 1; }
	fi
	dpkg-deb -x "$tmp"/*.deb "$tmp/x"
	local ver; ver=$(ls "$tmp/x/lib/modules")
	extract_vmlinux "$tmp/x/boot/vmlinuz-$ver" "$tmp/vmlinux"

	# modules.dep of the whole tree tells each module's dependencies.
	busybox depmod -b "$tmp/x" "$ver"
	local moddir=lib/modules/$ver root=$tmp/root
	mkdir -p "$root/bin" "$root/$moddir" "$root"/{proc,sys,dev,tmp,run,share}
	cp /bin/busybox "$root/bin/busybox"
	cp "$here/init" "$root/init"
	local m line f
	local -A want=()
	for m in "${modules[@]}"; do
		line=$(grep -E "(^|/)${m}\.ko(\.[a-z]+)?:" "$tmp/x/$moddir/modules.dep" || true)
		[ -n "$line" ] || { grep -qE "/${m}\.ko" "$tmp/x/$moddir/modules.builtin" && continue; log "module $m not in $pkg"; exit 1; }
		for f in ${line/:/}; do want[$f]=1; done
	done
	for f in "${!want[@]}"; do
		mkdir -p "$root/$moddir/$(dirname "$f")"
		case $f in
		*.xz) xz -dc "$tmp/x/$moddir/$f" > "$root/$moddir/${f%.xz}" ;;
		*.zst) zstd -qdc "$tmp/x/$moddir/$f" > "$root/$moddir/${f%.zst}" ;;
		*) cp "$tmp/x/$moddir/$f" "$root/$moddir/$f" ;;
		esac
	done
	cp "$tmp/x/$moddir/modules.builtin" "$tmp/x/$moddir/modules.order" "$root/$moddir/" 2>/dev/null || true
	busybox depmod -b "$root" "$ver"
	mkdir -p "$dir"
	(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$dir/initrd.img.tmp"
	mv "$tmp/vmlinux" "$dir/vmlinux.tmp"
	mv "$dir/vmlinux.tmp" "$dir/vmlinux"
	mv "$dir/initrd.img.tmp" "$dir/initrd.img"
	rm -rf "$tmp"
}

# stage_share builds the static test binaries and the files they read.
stage_share() {
	local share=$1 p name dir
	mkdir -p "$share/bin" "$share/src"
	cp -r "$repo/examples" "$share/src/"
	for p in "${packages[@]}"; do
		dir=${p#./}
		name=$(echo "$dir" | tr / _)
		(cd "$repo" && CGO_ENABLED=0 go test -c -o "$share/bin/$name.test" "$p")
		echo "rewire/$dir" > "$share/bin/$name.pkg"
		echo "$dir" > "$share/bin/$name.dir"
		mkdir -p "$share/src/$dir"
	done
	if [ -n "${run_pattern:-}" ]; then
		echo "-test.run=$run_pattern" > "$share/test-args"
	fi
}

# stage_bench builds kernelcut static and puts the host's `ip`, with the
# libraries it loads, in the initramfs overlay (its baseline script).
stage_bench() {
	local share=$1 lib
	shift
	mkdir -p "$share/bin" "$share/src" "$share/overlay/usr/sbin"
	cp -r "$repo/examples" "$share/src/"
	(cd "$repo" && CGO_ENABLED=0 go build -o "$share/bin/kernelcut" ./cmd/rewire/internal/bench/kernelcut)
	cp "$(command -v ip)" "$share/overlay/usr/sbin/ip"
	for lib in $(ldd "$(command -v ip)" | grep -oE '/[^ ]+'); do
		mkdir -p "$share/overlay$(dirname "$lib")"
		cp -L "$lib" "$share/overlay$lib"
	done
	printf '%s\n' "$@" > "$share/bench-args"
}

# overlay_initrd appends to the cached initramfs a second archive with
# this checkout's init and the share's overlay/ (the kernel unpacks
# concatenated archives in order, later files replacing earlier ones), so
# an edited init needs no rebuilt cache.
overlay_initrd() {
	local pkg=$1 o=$share/overlay
	mkdir -p "$o"
	cp "$here/init" "$o/init"
	{ cat "$cache/$pkg/initrd.img"; (cd "$o" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1); } > "$share/initrd.img"
}

# run_vm boots the kernel on the staged share with smp vCPUs.
run_vm() {
	local pkg=$1 smp=$2 qrc=0
	overlay_initrd "$pkg"
	log "booting $pkg under qemu (tcg)"
	timeout --kill-after=10 "$vm_timeout" qemu-system-x86_64 -M q35 -accel tcg -cpu max -m 512 -smp "$smp" \
		-nodefaults -nographic -serial stdio -no-reboot \
		-kernel "$cache/$pkg/vmlinux" -initrd "$share/initrd.img" \
		-append "console=ttyS0 quiet panic=-1" \
		-virtfs "local,path=$share,mount_tag=share,security_model=none" \
		> "$share/console" 2>&1 </dev/null || qrc=$?
	if [ ! -f "$share/rc" ]; then
		[ -f "$share/output" ] && cat "$share/output" >&2
		log "the VM wrote no result (qemu exit $qrc: hang, panic or timeout); console:"
		tail -n 40 "$share/console" >&2
		exit 1
	fi
}

# prepare_vm fetches and builds the kernel (once, cached) and makes the
# share; it sets pkg and share.
prepare_vm() {
	ensure_tools
	pkg=$(kernel_package)
	mkdir -p "$cache"
	build_kernel "$pkg"
	share=$(mktemp -d)
	trap 'rm -rf "$share"' EXIT
}

bench_main() {
	command -v ip >/dev/null || apt_install iproute2
	prepare_vm
	stage_bench "$share" "$@"
	run_vm "$pkg" 2
	[ -f "$share/output" ] && cat "$share/output" >&2
	# kernelcut -cpuprofile /share/NAME writes NAME-REP.pprof into the share.
	if [ -n "${REWIRE_KERNEL_KEEP:-}" ]; then
		mkdir -p "$REWIRE_KERNEL_KEEP"
		cp "$share"/*.pprof "$REWIRE_KERNEL_KEEP"/ 2>/dev/null || true
	fi
	[ "$(cat "$share/rc")" = 0 ] || { log "kernelcut failed in the VM"; exit 1; }
	cat "$share/bench.json"
}

main() {
	if [ "${1:-}" = --bench ]; then
		shift
		bench_main "$@"
		return
	fi
	run_pattern=${1:-}
	prepare_vm
	stage_share "$share"
	run_vm "$pkg" 1
	cat "$share/output"
	local rc; rc=$(cat "$share/rc")
	local pass fail
	pass=$(grep -c '^--- PASS' "$share/output" || true)
	fail=$(grep -c '^--- FAIL' "$share/output" || true)
	echo "kernel-vm: $pass passed, $fail failed"
	[ "$rc" = 0 ] || { log "tests failed in the VM"; exit 1; }
}

main "$@"
