#!/bin/bash
# The LAN side of the persist-* payloads, run by run.sh in the run's own
# network namespace ($REWIRE_DEBIAN_NETNS, never the machine's) before the
# boot: lan0 is 10.0.0.1/24, the guest's gateway; a dnsmasq leases the
# guest's MAC 10.0.0.50 in 2-minute leases (so a DHCP uplink is
# predictable and renews during a test); lan-probe.py answers the guest's
# "does the LAN reach you?" on 10.0.0.1:8080 by connecting to the guest
# from the LAN side.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${REWIRE_DEBIAN_WORK:?run by run.sh}
py=$(command -v /usr/bin/python3 || command -v python3)
ip addr add 10.0.0.1/24 dev lan0
dnsmasq --conf-file=/dev/null --no-ping --port=0 --user=root \
	--interface=lan0 --bind-interfaces --except-interface=lo \
	--dhcp-authoritative --dhcp-range=10.0.0.100,10.0.0.200,2m \
	--dhcp-host=52:54:00:de:b0:00,10.0.0.50,2m \
	--dhcp-leasefile="$work/dnsmasq.leases" --pid-file="$work/dnsmasq.pid" \
	--log-dhcp --log-facility="$work/dnsmasq.log"
"$py" "$here/lan-probe.py" 10.0.0.1 8080 </dev/null >"$work/lan-probe.log" 2>&1 &
# Serving before the guest boots (bounded).
for _ in $(seq 50); do
	"$py" -c 'import socket; socket.create_connection(("10.0.0.1", 8080), 0.2).close()' 2>/dev/null && exit 0
	sleep 0.1
done
echo "lan-probe.py did not start: $(cat "$work/lan-probe.log")" >&2
exit 1
