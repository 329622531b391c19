package sandbox

import "fmt"

// NMConf keeps NetworkManager in a sandbox off everything but the
// devices: no DNS or hostname changes, its internal DHCP client, no
// automatic "Wired connection 1".
const NMConf = `[main]
plugins=keyfile
dns=none
rc-manager=unmanaged
hostname-mode=none
dhcp=internal
no-auto-default=*
[logging]
level=INFO
`

// BusConfig is a sandbox's system bus (so NetworkManager accepts it)
// listening on the unix socket listen, letting everyone own and call
// everything.
func BusConfig(listen string) string {
	return fmt.Sprintf(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`, listen)
}
