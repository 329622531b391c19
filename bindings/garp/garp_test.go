package garp

import (
	"encoding/binary"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
)

// linked is a host and a LAN namespace joined by veth an0 (host) and
// an1 (LAN), both up, with a packet socket on an1 listening for ARP.
func linked(t *testing.T) (host *target.Target, fd int) {
	t.Helper()
	host, lan := nstest.New(t), nstest.New(t)
	nstest.Veth(t, host, "an0", lan, "an1")
	for _, side := range []struct {
		tg  *target.Target
		dev string
	}{{host, "an0"}, {lan, "an1"}} {
		if _, err := side.tg.Run(nil, "ip", "link", "set", side.dev, "up"); err != nil {
			t.Fatal(err)
		}
	}
	nstest.WaitCarrier(t, host, "an0")
	nstest.WaitCarrier(t, lan, "an1")
	peer, err := lan.LinkByName("an1")
	if err != nil {
		t.Fatal(err)
	}
	err = lan.Do(func() error {
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, int(htons(ethPArp)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(ethPArp), Ifindex: peer.Attrs().Index}); err != nil {
		t.Fatal(err)
	}
	tv := unix.NsecToTimeval((2 * time.Second).Nanoseconds())
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	return host, fd
}

// The announcement reaches the other end of the link as a broadcast ARP
// request from the link's MAC whose sender and target are the address.
func TestAnnounceReachesThePeer(t *testing.T) {
	host, fd := linked(t)
	ip := net.ParseIP("10.9.0.5")
	if err := Announce(host, "an0", ip); err != nil {
		t.Fatal(err)
	}
	l, err := host.LinkByName("an0")
	if err != nil {
		t.Fatal(err)
	}
	checkAnnouncement(t, fd, l.Attrs().HardwareAddr, ip)
}

// AnnounceHeld announces the host's addresses from their links, but
// not from the link it is told to skip.
func TestAnnounceHeldSkipsTheLinkGoingDown(t *testing.T) {
	host, fd := linked(t)
	if _, err := host.Run(nil, "ip", "addr", "add", "10.9.0.7/24", "dev", "an0"); err != nil {
		t.Fatal(err)
	}
	AnnounceHeld(host, "an0")
	tv := unix.NsecToTimeval((300 * time.Millisecond).Nanoseconds())
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	if n, _, err := unix.Recvfrom(fd, make([]byte, 64), 0); err == nil {
		t.Fatalf("an announcement from the skipped link: %d bytes", n)
	}
	AnnounceHeld(host, "")
	l, err := host.LinkByName("an0")
	if err != nil {
		t.Fatal(err)
	}
	checkAnnouncement(t, fd, l.Attrs().HardwareAddr, net.ParseIP("10.9.0.7"))
}

// checkAnnouncement reads one frame from fd and checks it is ip's
// gratuitous ARP from mac.
func checkAnnouncement(t *testing.T, fd int, mac net.HardwareAddr, ip net.IP) {
	t.Helper()
	buf := make([]byte, 64)
	n, from, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		t.Fatalf("no announcement on an1: %v", err)
	}
	a := buf[:n]
	ll, _ := from.(*unix.SockaddrLinklayer)
	switch {
	case n < 28 || binary.BigEndian.Uint16(a[6:]) != 1:
		t.Fatalf("not an ARP request: % x", a)
	case ll == nil || ll.Pkttype != unix.PACKET_BROADCAST:
		t.Fatalf("not a broadcast: %+v", from)
	case net.HardwareAddr(a[8:14]).String() != mac.String():
		t.Fatalf("sender MAC %s, want an0's %s", net.HardwareAddr(a[8:14]), mac)
	case !net.IP(a[14:18]).Equal(ip) || !net.IP(a[24:28]).Equal(ip):
		t.Fatalf("sender %s target %s, want both %s", net.IP(a[14:18]), net.IP(a[24:28]), ip)
	}
}

// A link that is down has nobody to tell: no error, nothing sent.
func TestAnnounceOnADownLinkIsQuiet(t *testing.T) {
	host, lan := nstest.New(t), nstest.New(t)
	nstest.Veth(t, host, "an0", lan, "an1")
	if err := Announce(host, "an0", net.ParseIP("10.9.0.5")); err != nil {
		t.Fatal(err)
	}
	if err := Announce(host, "an0", net.ParseIP("fe80::1")); err == nil {
		t.Fatal("an IPv6 address was announced over ARP")
	}
}
