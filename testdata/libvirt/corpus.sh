#!/bin/bash
# corpus.sh: makes sure libvirt's own test domain XML, from the source
# package of the libvirt installed here, is in the cache, and prints the
# directory that holds it:
#
#   /var/cache/rewire-libvirt-src/<source version>/
#     qemuxml2argvdata/*.xml, qemuxml2xmloutdata/*.xml, ...  (as in tests/)
#     VERSION                                               (written last)
#
# The source is fetched with apt as this machine is configured: the
# deb-src twin of each of its own apt sources, in a private sources file
# and lists directory (the system's lists and caches are not touched).
# Nothing of it belongs in the repository (see README.md beside this
# file). A run with the cache in place asks no one and only prints.
#
# REWIRE_LIBVIRT_SRC_CACHE overrides the cache root. Needs: dpkg-query,
# apt-get, tar and xz-utils.
set -euo pipefail

root=${REWIRE_LIBVIRT_SRC_CACHE:-/var/cache/rewire-libvirt-src}

# The test directories whose *.xml are domain definitions.
dirs=(
	qemuxml2argvdata
	qemuxml2xmloutdata
	genericxml2xmlindata
	genericxml2xmloutdata
	domainschemadata
	xlconfigdata
	bhyvexml2argvdata
	bhyvexml2xmloutdata
	lxcxml2xmldata
	lxcxml2xmloutdata
	vmx2xmldata
	libxlxml2domconfigdata
	xmconfigdata
)

die() {
	echo "corpus.sh: $*" >&2
	exit 1
}

pkg=$(dpkg-query -W -f='${source:Package}' libvirt0 2>/dev/null) || die "libvirt0 is not installed"
ver=$(dpkg-query -W -f='${source:Version}' libvirt0)
[ -n "$pkg" ] && [ -n "$ver" ] || die "cannot tell libvirt0's source version"
dest=$root/$ver

done_already() { [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$pkg $ver" ]; }

if done_already; then
	echo "$dest"
	exit 0
fi

for c in apt-get tar xz flock; do
	command -v "$c" >/dev/null || die "needs $c (xz: apt-get install xz-utils)"
done
mkdir -p "$root"
exec 9>"$root/.lock"
flock 9
if done_already; then # another run made it meanwhile
	echo "$dest"
	exit 0
fi

# What a run that was killed left behind (none runs now: the lock is ours).
rm -rf "$root"/.fetch.* "$dest" "$dest.part"
tmp=$(mktemp -d "$root/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The deb-src twin of every apt source this machine uses.
srcs=$tmp/sources.list
: >"$srcs"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n -E 's/^[[:space:]]*deb[[:space:]]+/deb-src /p' "$f" >>"$srcs"
done
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	# One stanza per paragraph; drop disabled ones, make the rest deb-src.
	awk -v RS= -v ORS='\n\n' '
		/(^|\n)Enabled:[[:space:]]*no/ { next }
		/(^|\n)Types:[^\n]*(^|[[:space:]])deb([[:space:]]|$)/ {
			sub(/(^|\n)Types:[^\n]*/, "\nTypes: deb-src")
			sub(/^\n/, "")
			print
		}' "$f" >"$tmp/$(basename "$f")"
done
parts=$tmp/parts
mkdir -p "$parts"
for f in "$tmp"/*.sources; do
	[ -f "$f" ] && [ -s "$f" ] && mv "$f" "$parts/"
done
if [ ! -s "$srcs" ] && [ -z "$(ls -A "$parts")" ]; then
	die "no deb sources found in /etc/apt to derive deb-src ones from"
fi

mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/src"
chmod 755 "$tmp"
if id _apt >/dev/null 2>&1; then
	chown -R _apt "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/src"
fi
apt=(apt-get -q
	-o Dir::Etc::SourceList="$srcs"
	-o Dir::Etc::SourceParts="$parts"
	-o Dir::State::Lists="$tmp/lists"
	-o Dir::Cache="$tmp/cache"
	-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
# A source without a deb-src twin (some third-party repositories) fails
# its part of the update; what matters is whether the source is found.
"${apt[@]}" update >"$tmp/update.log" 2>&1 || true
(cd "$tmp/src" && "${apt[@]}" source --download-only "$pkg=$ver") >"$tmp/source.log" 2>&1 || {
	cat "$tmp/update.log" "$tmp/source.log" >&2
	die "apt-get source $pkg=$ver failed"
}

orig=
for f in "$tmp/src/${pkg}"_*.orig.tar.*; do
	case $f in *.asc) ;; *) [ -f "$f" ] && orig=$f ;; esac
done
[ -n "$orig" ] || die "no ${pkg}_*.orig.tar.* among: $(ls "$tmp/src")"

mkdir -p "$dest.part"
pats=()
for d in "${dirs[@]}"; do
	pats+=("*/tests/$d/*.xml")
done
tar -xf "$orig" -C "$dest.part" --strip-components=2 --wildcards --no-wildcards-match-slash "${pats[@]}" 2>"$tmp/tar.log" || {
	# A directory missing from this version is no error; anything else is.
	grep -v -E 'Not found in archive|Exiting with failure status' "$tmp/tar.log" >&2 && die "extracting $orig failed"
}
[ -n "$(ls -A "$dest.part")" ] || die "no test XML in $orig"
{
	echo "source: $pkg $ver ($(basename "$orig"))"
	for d in "$dest.part"/*/; do
		echo "$(basename "$d"): $(ls "$d" | wc -l)"
	done
} >"$dest.part/MANIFEST"
mv "$dest.part" "$dest"
echo "$pkg $ver" >"$dest/VERSION"
echo "$dest"
