module rewire

go 1.26.8

require (
	github.com/chzyer/readline v1.5.1
	github.com/creack/pty v1.1.24
	github.com/godbus/dbus/v5 v5.1.0
	github.com/vishvananda/netlink v1.3.1
	github.com/vishvananda/netns v0.0.5
	github.com/yuin/gopher-lua v1.1.2
	golang.org/x/sys v0.10.0
	libvirt.org/go/libvirt v1.10009.0
	libvirt.org/go/libvirtxml v1.10010.0
)
