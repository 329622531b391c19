#!/usr/bin/env bash
# Every payload under testdata/debian/*/ (a directory with an executable
# `run`), each in a fresh boot of the cached Debian 12 guest (build.sh,
# run.sh), with the rewire binary built from this tree beside it:
#
#   bash testdata/debian/run-tests.sh [NAME...]     # e.g. guardian reboot
#
# Beside each payload's files: the binary, lib/ (scripts payloads share)
# and the repository's examples/. REWIRE_DEBIAN_JOBS (default 2) payloads
# boot at once, the longest first; each one's lines and verdict are
# printed whole when it ends (as they come with REWIRE_DEBIAN_JOBS=1),
# then one closing line "debian-vm: N passed, M failed" over all of them;
# exits non-zero if any payload failed.
set -euo pipefail
export PATH=$PATH:/usr/local/go/bin:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
log() { echo "debian-vm: $*" >&2; }

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for d in "$here"/*/; do
		[ -x "$d/run" ] && names+=("$(basename "$d")")
	done
fi
t0=$(date +%s.%N)
stage=$(mktemp -d /var/tmp/rewire-debian-payloads.XXXXXX)
declare -A running=() # pid of a payload's run.sh -> its name
# run.sh cleans up after itself (QEMU, its namespace) on TERM.
trap 'for p in "${!running[@]}"; do kill "$p" 2>/dev/null || true; done; wait; rm -rf "$stage"' EXIT
trap 'exit 143' TERM INT HUP
(cd "$repo" && go build -o "$stage/rewire" ./cmd/rewire)
t1=$(date +%s.%N)
img=$(bash "$here/build.sh")
t2=$(date +%s.%N)
log "rewire built in $(awk "BEGIN{printf \"%.1f\", $t1-$t0}") s; image ready in $(awk "BEGIN{printf \"%.1f\", $t2-$t1}") s ($img)"

# Up to $jobs boots at once (TCG is one busy core each). A payload's lines
# are buffered and printed whole when it ends (streamed with one job).
jobs=${REWIRE_DEBIAN_JOBS:-2}
[ "$jobs" -ge 1 ] 2>/dev/null || { log "REWIRE_DEBIAN_JOBS=$jobs: not a number >= 1"; exit 2; }
# The longest first (a payload's `timeout` bounds it: the best guess of its
# length), so the last one to start is a short one.
if [ ${#names[@]} -gt 1 ] && [ "$jobs" -gt 1 ]; then
	mapfile -t names < <(for n in "${names[@]}"; do
		echo "$(cat "$here/$n/timeout" 2>/dev/null || echo 900) $n"; done | sort -k1,1nr -k2 | cut -d' ' -f2)
fi

# stage NAME: the payload with the binary, the shared lib/ and examples/.
stage_payload() {
	local p=$stage/$1
	cp -r "$here/$1" "$p"
	cp "$stage/rewire" "$p/rewire"
	cp -r "$here/lib" "$p/lib"
	cp -r "$repo/examples" "$p/examples"
}

pass=0 fail=0 bad=()
# tally NAME RC: count a finished payload's verdict.
tally() {
	local n=$1 rc=$2 v
	v=$(sed -n 's/^debian-vm: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$stage/$n.out" | tail -n1)
	[ -n "$v" ] || v="0 0"
	pass=$((pass + ${v%% *})); fail=$((fail + ${v##* }))
	if [ "$rc" != 0 ]; then
		bad+=("$n")
		[ "${v##* }" != 0 ] || fail=$((fail + 1))
	fi
}
# reap: wait for one running payload, print its output whole, count it.
reap() {
	local pid rc=0 n
	wait -n -p pid "${!running[@]}" || rc=$?
	n=${running[$pid]}
	unset "running[$pid]"
	echo "=== payload $n"
	cat "$stage/$n.out"
	tally "$n" "$rc"
}
for n in "${names[@]}"; do
	[ -x "$here/$n/run" ] || { log "no payload $n"; fail=$((fail + 1)); bad+=("$n"); continue; }
	stage_payload "$n"
	if [ "$jobs" = 1 ]; then
		echo "=== payload $n"
		rc=0
		bash "$here/run.sh" "$stage/$n" 2>&1 | tee "$stage/$n.out" || rc=$?
		tally "$n" "$rc"
		continue
	fi
	while [ ${#running[@]} -ge "$jobs" ]; do reap; done
	log "payload $n started"
	bash "$here/run.sh" "$stage/$n" >"$stage/$n.out" 2>&1 &
	running[$!]=$n
done
while [ ${#running[@]} -gt 0 ]; do reap; done
log "total $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N)-$t0}") s${bad:+; failed: ${bad[*]}}"
echo "debian-vm: $pass passed, $fail failed"
[ ${#bad[@]} -eq 0 ]
