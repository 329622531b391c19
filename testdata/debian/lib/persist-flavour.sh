#!/bin/bash
# Issue 15 on a real boot, for one network-manager flavour:
#
#   persist-flavour.sh nm|networkd|netplan|ifupdown
#
# (each persist-FLAVOUR/run is this line; run-tests.sh puts lib/ and
# examples/ beside the payload). The guest has one NIC, enp0s2, on lan0
# (persist-host.sh: 10.0.0.1 the gateway, a dnsmasq leasing this MAC
# 10.0.0.50 for 2 minutes, lan-probe.py answering "does the LAN reach
# you?"). Five boots, the phase kept on the guest's disk:
#
#   1  the admin's own static uplink (10.0.0.2/24 via 10.0.0.1) in the
#      flavour's files, manager enabled and started; sha256 of its files;
#      rewire run --persist nat-to-bridge.lua enp0s2 br0, and a second
#      persisted run setting a sysctl and a NAT rule; reboot
#   2  br0 came back from the manager's files (port, address, route,
#      gateway, LAN, sysctl, NAT via rewire-restore.service, no failed
#      device); rewire rollback of both; reboot
#   3  the files are byte for byte boot 1's, nothing of rewire's is left,
#      enp0s2 has its address from the manager again, br0 is gone; then
#      the uplink becomes DHCP, and boot 1's steps again; reboot
#   4  as boot 2, the address a lease on br0; rollback; reboot
#   5  as boot 3, enp0s2's lease back from its manager.
set -u
flavour=${1:?usage: persist-flavour.sh nm|networkd|netplan|ifupdown}
st=$REWIRE_PAYLOAD_STATE
nic=enp0s2 br=br0 gw=10.0.0.1 static_ip=10.0.0.2 leased_ip=10.0.0.50
nat_subnet=192.168.100.0/24 sysctl_key=net.ipv4.ip_forward
examples=/payload/examples
failed=0

ok() { echo "ok - $flavour: $*"; }
nok() { echo "not ok - $flavour: $*"; failed=$((failed + 1)); }
check() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }
note() { echo "# $flavour: $*"; }
now() { date +%s.%N; }
since() { awk "BEGIN{printf \"%.1f\", $(now)-$1}"; }
# until_ok SECONDS CMD...: CMD until it succeeds, bounded; says how long.
until_ok() {
	local lim=$1 t0; shift
	t0=$(now)
	while ! "$@" 2>/dev/null; do
		awk "BEGIN{exit !($(now)-$t0 > $lim)}" && return 1
		sleep 0.5
	done
	waited=$(since "$t0")
}
# What the manager and the kernel say, when a check failed.
dump() {
	note "--- state: $*"
	{
		ip -br link; ip -br addr; ip route; rewire status 2>&1
		case $flavour in
		nm) nmcli -t device; nmcli -t connection ;;
		networkd | netplan) networkctl list --no-pager ;;
		ifupdown) ifquery --state 2>&1 ;;
		esac
		systemctl --failed --no-legend --no-pager
		journalctl -b --no-pager -q -p warning | tail -n 30
	} 2>&1 | sed 's/^/#   /'
}

# rewire-restore.service runs rewire from here (persist.RestoreBinary).
install -m 0755 /payload/rewire /usr/local/bin/rewire

# --- the flavour: its files, as its admin writes them -------------------
case $flavour in
nm) dirs=(/etc/NetworkManager) owner=NetworkManager format=networkmanager ;;
networkd) dirs=(/etc/systemd/network) owner=systemd-networkd format=networkd ;;
netplan) dirs=(/etc/netplan /etc/systemd/network) owner=systemd-networkd format=netplan ;;
ifupdown) dirs=(/etc/network) owner=ifupdown format=ifupdown ;;
*) nok "unknown flavour"; exit 1 ;;
esac
dirs+=(/etc/sysctl.d /etc/systemd/system /etc/rewire)

nm_profile=/etc/NetworkManager/system-connections/uplink.nmconnection
networkd_file=/etc/systemd/network/10-uplink.network
netplan_file=/etc/netplan/01-uplink.yaml

configure_static() {
	case $flavour in
	nm)
		install -m 0600 /dev/null "$nm_profile"
		cat > "$nm_profile" <<-EOF
			[connection]
			id=uplink
			uuid=$(cat /proc/sys/kernel/random/uuid)
			type=ethernet
			interface-name=$nic

			[ipv4]
			method=manual
			address1=$static_ip/24,$gw

			[ipv6]
			method=ignore
		EOF
		systemctl enable --now NetworkManager.service ;;
	networkd)
		cat > "$networkd_file" <<-EOF
			[Match]
			Name=$nic

			[Network]
			Address=$static_ip/24
			Gateway=$gw
		EOF
		systemctl enable --now systemd-networkd.service ;;
	netplan)
		install -m 0600 /dev/null "$netplan_file"
		cat > "$netplan_file" <<-EOF
			network:
			  version: 2
			  renderer: networkd
			  ethernets:
			    $nic:
			      addresses: [$static_ip/24]
			      routes:
			        - to: default
			          via: $gw
		EOF
		systemctl enable systemd-networkd.service
		netplan apply ;;
	ifupdown)
		cat >> /etc/network/interfaces <<-EOF

			auto $nic
			iface $nic inet static
			    address $static_ip/24
			    gateway $gw
		EOF
		systemctl enable networking.service
		ifup "$nic" ;;
	esac
}

configure_dhcp() {
	case $flavour in
	nm) nmcli connection modify uplink ipv4.method auto ipv4.addresses "" ipv4.gateway "" &&
		nmcli connection up uplink >/dev/null ;;
	networkd)
		cat > "$networkd_file" <<-EOF
			[Match]
			Name=$nic

			[Network]
			DHCP=ipv4
		EOF
		networkctl reload && networkctl reconfigure "$nic" ;;
	netplan)
		cat > "$netplan_file" <<-EOF
			network:
			  version: 2
			  renderer: networkd
			  ethernets:
			    $nic:
			      dhcp4: true
		EOF
		netplan apply ;;
	ifupdown)
		ifdown "$nic" &&
			sed -i "s/^iface $nic inet static\$/iface $nic inet dhcp/; /^    address $static_ip\/24\$/d; /^    gateway $gw\$/d" /etc/network/interfaces &&
			ifup "$nic" ;;
	esac
}

# --- what the host looks like ------------------------------------------
has_addr() { ip -4 -o addr show dev "$1" 2>/dev/null | grep -q " inet $2/24 "; }
no_ipv4() { ! ip -4 -o addr show dev "$1" | grep -q " inet "; }
is_port_of() { ip -o link show "$1" | grep -q " master $2 "; }
default_via() { ip -4 route show default | grep -q "^default via $gw dev $1 "; }
# The device as `rewire status --json DEV` reports it, one line.
status_of() { rewire status --json "$1" 2>&1 | tr -d ' \n'; }
# A lease: detection says dhcp with a finite lifetime.
leased() { # leased DEV IP
	local s; s=$(status_of "$1")
	grep -q "\"cidr\":\"$2/24\",\"origin\":\"dhcp\"" <<<"$s" &&
		grep -Eq "\"cidr\":\"$2/24\",\"origin\":\"dhcp\"[^}]*\"valid_lft\":[1-9]" <<<"$s"
}
managed_by() { status_of "$1" | grep -q "\"manager\":\"$2\""; }
# The address ready: static, or the lease, from the manager.
ready() { # ready DEV IP
	has_addr "$1" "$2" || return 1
	[ "$uplink" = static ] || leased "$1" "$2"
}
# The gateway answers on DEV: a TCP connect (the image has no ping) makes
# the ARP exchange; refused or not, a neighbour entry with lladdr on DEV
# means 10.0.0.1 answered there.
gateway_answers() {
	timeout 5 bash -c "exec 3<>/dev/tcp/$gw/9" 2>/dev/null
	ip neigh show "$gw" dev "$1" | grep -q lladdr
}
# From the LAN: lan-probe.py connects to IP from the LAN side.
lan_says() { # lan_says PATH
	timeout 10 bash -c "exec 3<>/dev/tcp/$gw/8080 && printf 'GET %s HTTP/1.0\r\n\r\n' '$1' >&3 && sed '1,/^\r\$/d' <&3"
}
lan_reaches() { # lan_reaches IP MAC
	probe=$(lan_says "/probe/$1")
	grep -q "^$1 answered" <<<"$probe" && grep -qi "lladdr $2" <<<"$probe"
}
manager_has_no_failed_device() {
	case $flavour in
	nm) ! nmcli -t -f DEVICE,STATE device | grep -Eq ':(failed|unavailable|deactivating)$' &&
		nmcli -t -f DEVICE,STATE device | grep -q "^$1:connected" ;;
	networkd | netplan) ! networkctl list --no-legend --no-pager | grep -Eq 'failed|linger' &&
		networkctl list --no-legend --no-pager | grep -Eq " $1 .* (configured)" ;;
	ifupdown) ! systemctl -q is-failed networking.service && ifquery --state "$1" >/dev/null ;;
	esac
}
no_failed_units() { [ -z "$(systemctl --failed --no-legend --no-pager)" ]; }

# snapshot: every file and link of the flavour's dirs, with sha256 and mode.
snapshot() {
	local d f
	for d in "${dirs[@]}"; do
		[ -e "$d" ] || continue
		find "$d" \( -type f -o -type l \) | LC_ALL=C sort | while IFS= read -r f; do
			if [ -L "$f" ]; then
				echo "link $(readlink "$f") $f"
			else
				echo "$(sha256sum < "$f" | cut -c1-64) $(stat -c %a "$f") $f"
			fi
		done
	done
}
rewire_files_left() {
	local f left=()
	for f in /etc/systemd/system/rewire-restore.service /etc/systemd/system/multi-user.target.wants/rewire-restore.service \
		/etc/sysctl.d/90-rewire.conf /etc/rewire/nat.rules /etc/rewire/nat6.rules; do
		[ -e "$f" ] || [ -L "$f" ] && left+=("$f")
	done
	[ -d /etc/rewire ] && left+=($(find /etc/rewire -type f))
	echo "${left[*]}"
}
rewire_nat_rules() { iptables -t nat -S 2>/dev/null | grep -E '^-A REWIRE' ; }

# --- the steps ----------------------------------------------------------
# migrate: the admin's runs, both persisted; records their transactions.
migrate() {
	local out t0 rc
	t0=$(now)
	out=$(rewire run --persist "$examples/nat-to-bridge.lua" "$nic" "$br" 2>&1); rc=$?
	echo "$out" | sed 's/^/#   /'
	check "rewire run --persist nat-to-bridge.lua $nic $br ($uplink uplink; $(since "$t0") s)" [ $rc = 0 ]
	# Each device's files in its manager's own format (netplan: the YAML).
	check "persist wrote $format files only: $(sed -n 's/^persist: \([a-z]*\) \([^ ]*\) (\(.*\))$/\2 (\3)/p' <<<"$out" | tr '\n' ' ')" \
		eval '[ -n "$(grep "^persist: " <<<"$out")" ] && ! grep "^persist: " <<<"$out" | grep -vq ", $format)\$"'
	local id1; id1=$(sed -n 's/^committed .* as transaction \([^ ]*\) .*/\1/p' <<<"$out")
	t0=$(now)
	out=$(rewire run --persist -e "nat.masquerade('$nat_subnet', {out = '$br'}) sysctl.set('$sysctl_key', '1')" 2>&1); rc=$?
	echo "$out" | sed 's/^/#   /'
	check "rewire run --persist -e (nat.masquerade $nat_subnet out $br, sysctl $sysctl_key=1) ($(since "$t0") s)" [ $rc = 0 ]
	local id2; id2=$(sed -n 's/^committed .* as transaction \([^ ]*\) .*/\1/p' <<<"$out")
	echo "$id2 $id1" > "$st/transactions"
	check "rewire-restore.service written and enabled" [ -L /etc/systemd/system/multi-user.target.wants/rewire-restore.service ]
	check "the sysctl persisted in /etc/sysctl.d/90-rewire.conf" grep -q "^$sysctl_key *= *1" /etc/sysctl.d/90-rewire.conf
}

# after_reboot_on_bridge IP: boot 2 / 4 checks.
after_reboot_on_bridge() {
	local ip=$1 mac
	mac=$(cat "/sys/class/net/$nic/address")
	until_ok 60 has_addr "$br" "$ip"
	note "$br has $ip ${waited:+$waited s into the payload}"
	check "$nic is a port of $br after the reboot" is_port_of "$nic" "$br"
	if [ "$uplink" = static ]; then
		check "$br holds $ip/24" has_addr "$br" "$ip"
	else
		check "$br holds $ip/24 as a lease (status: origin dhcp, finite lifetime)" until_ok 30 leased "$br" "$ip"
	fi
	check "$nic has no IPv4 address of its own" no_ipv4 "$nic"
	check "$br has $nic's MAC ($mac)" [ "$(cat "/sys/class/net/$br/address")" = "$mac" ]
	check "the default route is via $gw dev $br" until_ok 20 default_via "$br"
	check "the gateway $gw answers on $br" gateway_answers "$br"
	check "the LAN reaches the host: $(lan_says "/probe/$ip" | tr -d '\n')" lan_reaches "$ip" "$mac"
	check "$br is the manager's ($owner) after the boot" managed_by "$br" "$owner"
	check "$sysctl_key is 1 after the boot (/etc/sysctl.d/90-rewire.conf)" [ "$(sysctl -n $sysctl_key)" = 1 ]
	check "rewire-restore.service ran at boot" systemctl -q is-active rewire-restore.service
	check "rewire's NAT rule is back: $(rewire_nat_rules | grep -m1 -- "-s $nat_subnet")" eval 'rewire_nat_rules | grep -q -- "-s $nat_subnet .*-o $br .*MASQUERADE"'
	check "$owner reports no failed device ($br up)" until_ok 20 manager_has_no_failed_device "$br"
	check "no failed unit" no_failed_units
	[ $failed = 0 ] || dump "after the reboot on $br"
}

rollback() {
	local id t0 out rc
	t0=$(now)
	for id in $(cat "$st/transactions"); do
		out=$(rewire rollback "$id" 2>&1); rc=$?
		echo "$out" | sed 's/^/#   /'
		check "rewire rollback $id after the reboot" [ $rc = 0 ]
	done
	note "rollback of both: $(since "$t0") s"
}

# after_reboot_back IP: boot 3 / 5 checks.
after_reboot_back() {
	local ip=$1 diffs
	until_ok 60 ready "$nic" "$ip"
	note "$nic has $ip ${waited:+$waited s into the payload}"
	diffs=$(snapshot | diff "$st/files.$uplink" - | grep '^[<>]')
	check "the manager's files are byte for byte the ones before rewire (${#dirs[@]} dirs, $(wc -l < "$st/files.$uplink") files)" [ -z "$diffs" ]
	[ -z "$diffs" ] || echo "$diffs" | sed 's/^/#   /'
	check "no file of rewire's is left: $(rewire_files_left)" [ -z "$(rewire_files_left)" ]
	check "$br is gone" [ ! -e "/sys/class/net/$br" ]
	if [ "$uplink" = static ]; then
		check "$nic holds $ip/24 again" has_addr "$nic" "$ip"
	else
		check "$nic holds $ip/24 as a lease again (status: origin dhcp, finite lifetime)" leased "$nic" "$ip"
	fi
	check "$nic is the manager's ($owner)" managed_by "$nic" "$owner"
	check "the default route is via $gw dev $nic" until_ok 20 default_via "$nic"
	check "the LAN reaches the host on $nic" lan_reaches "$ip" "$(cat "/sys/class/net/$nic/address")"
	check "$sysctl_key is back to 0" [ "$(sysctl -n $sysctl_key)" = 0 ]
	check "no NAT rule of rewire's" [ -z "$(rewire_nat_rules)" ]
	check "$owner reports no failed device" until_ok 20 manager_has_no_failed_device "$nic"
	[ $failed = 0 ] || dump "back on $nic"
}

# setup UPLINK IP: the admin's uplink, up; the snapshot; the migration.
setup() {
	local ip=$2 t0
	uplink=$1
	t0=$(now)
	if [ "$uplink" = static ]; then configure_static; else configure_dhcp; fi
	check "$flavour holds $nic's $uplink address $ip" until_ok 90 ready "$nic" "$ip"
	note "$uplink uplink ready in $(since "$t0") s${waited:+ (address after $waited s of waiting)}"
	check "$nic is the manager's ($owner)" managed_by "$nic" "$owner"
	[ $failed = 0 ] || { dump "$uplink uplink"; exit 1; }
	snapshot > "$st/files.$uplink"
	migrate
}

phase=$(cat "$st/phase" 2>/dev/null || echo static-1)
if [ -s "$st/reboot-at" ]; then
	note "boot $REWIRE_BOOT: $(awk "BEGIN{printf \"%.1f\", $(now)-$(cat "$st/reboot-at")}") s from the reboot request to the payload"
fi
reboot_into() { echo "$1" > "$st/phase"; now > "$st/reboot-at"; sync; exit 100; }
finish() { [ $failed = 0 ] || exit 1; }
t_payload=$(now)
case $phase in
static-1) setup static "$static_ip"; finish; reboot_into static-2 ;;
static-2) uplink=static; after_reboot_on_bridge "$static_ip"; rollback; finish; reboot_into static-3 ;;
static-3)
	uplink=static; after_reboot_back "$static_ip"
	finish
	setup dhcp "$leased_ip"; finish
	reboot_into dhcp-2 ;;
dhcp-2) uplink=dhcp; after_reboot_on_bridge "$leased_ip"; rollback; finish; reboot_into dhcp-3 ;;
dhcp-3) uplink=dhcp; after_reboot_back "$leased_ip"; finish ;;
esac
note "boot $REWIRE_BOOT ($phase) took $(since "$t_payload") s in the payload"
