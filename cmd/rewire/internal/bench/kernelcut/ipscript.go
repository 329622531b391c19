package main

import "fmt"

// cutScript is the cut-over as an admin types it with iproute2: bond0 of
// ens36 (the NIC without the host's address) into a new br0, the host's
// address, default route and MAC moved from ens32 to br0, then ens32
// into the bond. A slave must be down to be enslaved.
func cutScript() string {
	return fmt.Sprintf(`set -e
ip link add bond0 type bond mode active-backup miimon 100
ip link add br0 type bridge stp_state 0 forward_delay 0
ip link set bond0 master br0
ip link set ens36 down
ip link set ens36 master bond0
ip link set ens36 up
ip link set bond0 up
ip link set br0 up
ip addr flush dev ens32
ip link set br0 address %[1]s
ip addr add %[2]s/24 dev br0
ip route add default via %[3]s dev br0
ip link set ens32 down
ip link set ens32 master bond0
ip link set ens32 up
`, ens32MAC, hostIP, gatewayIP)
}

// revertScript is its reverse, to the state before, MACs included.
func revertScript() string {
	return fmt.Sprintf(`set -e
ip link set ens32 nomaster
ip link set ens36 nomaster
ip link del br0
ip link del bond0
ip link set ens32 address %[1]s
ip link set ens36 address %[2]s
ip link set ens32 up
ip link set ens36 up
ip addr add %[3]s/24 dev ens32
ip route add default via %[4]s dev ens32
`, ens32MAC, ens36MAC, hostIP, gatewayIP)
}
