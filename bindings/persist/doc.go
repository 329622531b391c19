// Package persist writes what a transaction left live — bridges, bonds,
// VLANs, ports, addresses (static, or "DHCP on this device" for a lease),
// routes, MTU, MAC, and the sysctls it set — into the configuration of the
// manager that owns each device, so the next boot brings the host back the
// same: NetworkManager keyfiles (1.42's keys), systemd-networkd .netdev and
// .network units, netplan YAML, ifupdown stanzas or network-scripts ifcfg
// files, and /etc/sysctl.d/90-rewire.conf. What the managers do not
// keep is kept by rewire (boot.go): its NAT chains in
// /etc/rewire/nat.rules and nat6.rules, restored by `rewire restore`
// from rewire-restore.service; each dnsmasq it serves as
// rewire-dnsmasq@BRIDGE.service with /etc/rewire/dnsmasq/BRIDGE.conf;
// libvirt networks it defined, marked autostart.
//
// Every file goes through bindings/files (journaled, rolled back byte for
// byte, listed by a plan). The old profile of a NIC that became a port is
// edited the way an admin does it by hand — it loses its addresses and
// names its master — so it never fights the new one. Every file is
// rendered and validated (nmcli --offline, netplan generate, ifup
// --no-act) before the first is written: a device no manager can be found
// for, or a file a validator rejects, writes nothing.
//
// The renderers are pure functions of the model (Dev), tested on golden
// files without Lua or a host; Save reads the host and the transaction.
package persist
