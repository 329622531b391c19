#!/usr/bin/env bash
# Installs the host network managers the real-daemon tests of bindings/host
# run inside their own namespaces: NetworkManager, systemd-networkd (part of
# systemd), ifupdown (+ bridge-utils, isc-dhcp-client), netplan, dbus,
# firewalld (+ nftables for `nft list ruleset` in its tests).
# Idempotent: when all are present it changes nothing and asks no registry.
#
# Installing must not start any of them in the machine's own network
# namespace: a policy-rc.d that refuses every start is in place while apt
# runs (Debian's invoke-rc.d honours it), and afterwards any NetworkManager,
# networkd, dhclient or firewalld process is reported and ended.
set -euo pipefail
pkgs=(dbus network-manager ifupdown bridge-utils isc-dhcp-client netplan.io systemd dnsmasq-base firewalld nftables)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# rewire testdata/managers/install.sh: start no service while installing\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  made_policy=1
fi
trap '[ -n "$made_policy" ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# firewalld's package enables its unit: at the next boot it would firewall
# the machine's own namespace (default zone public: ssh only). When this
# script installed it, it is disabled and masked (which also stops D-Bus
# activation); the tests run their own, in their namespaces. An admin's
# firewalld that was installed before is left as it was.
for p in "${missing[@]}"; do
  if [ "$p" = firewalld ]; then
    systemctl --no-reload disable firewalld.service >/dev/null 2>&1 || true
    systemctl --no-reload mask firewalld.service >/dev/null 2>&1 || true
    echo "install.sh: firewalld installed for the tests; its unit is disabled and masked on this machine (systemctl unmask firewalld to use it)"
  fi
done

# No manager may run in the machine's namespace: none of ours was started
# here (the tests start theirs later, in namespaces of their own).
self=$(readlink /proc/self/ns/net)
for pid in $(for n in NetworkManager systemd-network dhclient firewalld; do pgrep -x "$n"; done || true); do
  if [ "$(readlink /proc/"$pid"/ns/net 2>/dev/null)" = "$self" ]; then
    echo "install.sh: $(tr '\0' ' ' </proc/"$pid"/cmdline) was started in the machine's namespace by an install script; ending it" >&2
    kill "$pid" || true
  fi
done
