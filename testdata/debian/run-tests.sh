#!/usr/bin/env bash
# Every payload under testdata/debian/*/ (a directory with an executable
# `run`), each in a fresh boot of the cached Debian 12 guest (build.sh,
# run.sh), with the rewire binary built from this tree beside it:
#
#   bash testdata/debian/run-tests.sh [NAME...]     # e.g. guardian reboot
#
# Prints each payload's lines and verdict, then one closing line
# "debian-vm: N passed, M failed" over all of them; exits non-zero if any
# payload failed.
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
trap 'rm -rf "$stage"' EXIT
trap 'exit 143' TERM INT HUP
(cd "$repo" && go build -o "$stage/rewire" ./cmd/rewire)
t1=$(date +%s.%N)
img=$(bash "$here/build.sh")
t2=$(date +%s.%N)
log "rewire built in $(awk "BEGIN{printf \"%.1f\", $t1-$t0}") s; image ready in $(awk "BEGIN{printf \"%.1f\", $t2-$t1}") s ($img)"

pass=0 fail=0 bad=()
for n in "${names[@]}"; do
	[ -x "$here/$n/run" ] || { log "no payload $n"; fail=$((fail + 1)); bad+=("$n"); continue; }
	p=$stage/$n
	cp -r "$here/$n" "$p"
	cp "$stage/rewire" "$p/rewire"
	echo "=== payload $n"
	out=$stage/$n.out
	rc=0
	bash "$here/run.sh" "$p" | tee "$out" || rc=$?
	v=$(sed -n 's/^debian-vm: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$out" | tail -n1)
	pass=$((pass + ${v%% *})); fail=$((fail + ${v##* }))
	if [ "$rc" != 0 ]; then
		bad+=("$n")
		[ "${v##* }" != 0 ] || fail=$((fail + 1))
	fi
done
log "total $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N)-$t0}") s${bad:+; failed: ${bad[*]}}"
echo "debian-vm: $pass passed, $fail failed"
[ ${#bad[@]} -eq 0 ]
