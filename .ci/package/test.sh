#!/usr/bin/env bash
# Installs the .deb build.sh made on this machine the way an admin would
# (apt-get install ./rewire_*.deb), checks what it installed, purges it
# and checks nothing of it is left. Refuses to touch a rewire package
# installed by someone else.
set -euo pipefail
cd "$(dirname "$0")/../.."
deb=$(ls bin/rewire_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "test-package: no bin/rewire_*.deb (make package builds it)"; exit 1; }
exec 9>/tmp/rewire-package.lock
flock 9
if dpkg-query -W -f='${Status}' rewire 2>/dev/null | grep -q "ok installed"; then
  echo "test-package: a rewire package is already installed here; not ours to remove"; exit 1
fi
# An empty state dir (a rewire run from the tree that made no change
# leaves one) holds nothing to lose; one with a journal is not ours.
if [ -d /var/lib/rewire ] && [ -z "$(ls -A /var/lib/rewire)" ]; then
	rmdir /var/lib/rewire
fi
[ ! -e /var/lib/rewire ] || { echo "test-package: /var/lib/rewire holds a journal; not ours to purge"; exit 1; }
fail() { echo "test-package: FAIL: $*"; exit 1; }
files=$(dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./|/|; s|/$||' | grep -v '^/*$')
version=$(dpkg-deb -f "$deb" Version)

echo "== dpkg -c $deb"; dpkg -c "$deb"
echo "== apt-get install ./$deb"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=120 "./$deb" >/dev/null
trap 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=120 rewire >/dev/null 2>&1 || true' EXIT

echo "== /usr/bin/rewire --version"; /usr/bin/rewire --version
/usr/bin/rewire --version | grep -F "rewire $version (commit " >/dev/null || fail "--version does not name the package version $version"
echo "== man -w rewire"; page=$(man -w rewire); echo "$page"
[ "$page" = /usr/share/man/man1/rewire.1.gz ] || fail "man -w rewire: $page"
man -P cat rewire 2>/dev/null | grep -- "--confirm" >/dev/null || fail "rewire(1) does not document --confirm"
bash -c 'source /usr/share/bash-completion/completions/rewire && complete -p rewire' | grep _rewire >/dev/null || fail "bash completion"
[ "$(stat -c %a /var/lib/rewire)" = 700 ] || fail "/var/lib/rewire is $(stat -c %a /var/lib/rewire), want 700"
/usr/bin/rewire completion examples | grep -x /usr/share/rewire/examples/nat-to-bridge.lua >/dev/null || fail "examples not found under /usr/share/rewire"
grep -q -- '---@meta' /usr/share/rewire/rewire.d.lua || fail "LuaLS definitions"
strings /usr/bin/rewire | grep "^/usr/bin/rewire$" >/dev/null || fail "rewire-restore.service would not run /usr/bin/rewire"
# The front hands what needs libvirt to the whole program in /usr/lib/rewire.
[ -x /usr/lib/rewire/rewire-libvirt ] || fail "no /usr/lib/rewire/rewire-libvirt"
/usr/bin/rewire --version | grep -F " libvirt " >/dev/null || fail "rewire --version is not rewire-libvirt's (no libvirt version)"
# The state dir works: a journal listing in it.
/usr/bin/rewire journal list >/dev/null || fail "rewire journal list on /var/lib/rewire"

echo "== apt-get purge rewire"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=120 rewire >/dev/null
trap - EXIT
! dpkg-query -W -f='${Status}' rewire 2>/dev/null | grep -q "ok installed" || fail "still installed"
left=()
for f in $files; do
  case $f in /usr|/usr/bin|/usr/lib|/usr/share|/usr/share/man|/usr/share/man/man1|/usr/share/doc|/var|/var/lib|/usr/share/bash-completion|/usr/share/bash-completion/completions|/usr/share/zsh|/usr/share/zsh/vendor-completions) continue ;; esac
  [ -e "$f" ] && left+=("$f")
done
[ ${#left[@]} -eq 0 ] || fail "left after purge: ${left[*]}"
man -w rewire >/dev/null 2>&1 && fail "man -w rewire still finds a page"
echo "test-package: ok: installed $version, ran rewire --version and man -w rewire, purged, nothing left"
