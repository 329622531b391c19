#!/usr/bin/env bash
# The .rpm of the tree build.sh staged: the same files, with the
# dependencies under their Fedora/RHEL names. Usage: rpm.sh ROOT VERSION OUT
set -euo pipefail
root=$1 version=$2 out=$3
top=$(mktemp -d /tmp/rewire-rpm.XXXXXX)
trap 'rm -rf "$top"' EXIT
mkdir -p "$top/SPECS"
cat > "$top/SPECS/rewire.spec" <<SPEC
%define debug_package %{nil}
%define __os_install_post %{nil}
%define _build_id_links none
Name: rewire
Version: $version
Release: 1
Summary: Script a KVM host's networking in Lua, in transactions
License: see /usr/share/doc/rewire
BuildArch: x86_64
AutoReqProv: no
Requires: glibc, libvirt-libs, iptables, dnsmasq, iproute

%description
rewire changes bridges, bonds, VLANs, addresses, routes, sysctls,
iptables NAT, dnsmasq DHCP and libvirt guest NICs from a Lua recipe,
every change journaled with its prior state and rolled back on error.

%install
mkdir -p %{buildroot}
cp -a $root/. %{buildroot}/
rm -rf %{buildroot}/DEBIAN

%postun
if [ "\$1" = 0 ]; then rm -rf /var/lib/rewire; fi

%files
/usr/bin/rewire
/usr/lib/rewire
/usr/share/man/man1/rewire.1.gz
/usr/share/bash-completion/completions/rewire
/usr/share/zsh/vendor-completions/_rewire
/usr/share/rewire
/usr/share/doc/rewire
%dir %attr(0700,root,root) /var/lib/rewire
SPEC
rpmbuild --quiet -bb --define "_topdir $top" --define "_rpmdir $top/RPMS" "$top/SPECS/rewire.spec" >/dev/null
rm -f "$out"/rewire-*.rpm
find "$top/RPMS" -name '*.rpm' -exec cp {} "$out/" \;
ls "$out"/rewire-*.rpm
