// Package garp announces an IPv4 address from the link that holds it with
// a gratuitous ARP, as the kernel's arp_notify and NetworkManager do when
// an address lands on a link: the LAN's switches learn at once on which
// port the link's MAC now is, and its neighbours refresh their caches,
// instead of waiting for the host to send something.
package garp

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/target"
)

const ethPArp = 0x0806

// Announce broadcasts one gratuitous ARP request for ip (sender and
// target ip, sender dev's MAC) on dev. A link that is down, has no
// carrier or no Ethernet address has nobody to tell: nothing is sent.
func Announce(tg *target.Target, dev string, ip net.IP) error {
	ip4 := ip.To4()
	if ip4 == nil {
		return fmt.Errorf("announce %s on %s: not an IPv4 address", ip, dev)
	}
	a, err := operational(tg, dev)
	if err != nil {
		return fmt.Errorf("announce %s on %s: %w", ip, dev, err)
	}
	if a == nil {
		return nil
	}
	var fd int
	err = tg.Do(func() error {
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return os.NewSyscallError("announce "+ip.String()+" on "+dev+": packet socket", err)
	}
	// Closing a packet socket waits for an RCU grace period
	// (packet_release's synchronize_net), tens of ms on a busy host: the
	// frame is sent by then, so nobody needs to wait for it.
	defer func() { go unix.Close(fd) }()
	to := &unix.SockaddrLinklayer{Protocol: htons(ethPArp), Ifindex: a.Index, Halen: 6}
	copy(to.Addr[:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	if err := unix.Sendto(fd, request(a.HardwareAddr, ip4), 0, to); err != nil {
		return os.NewSyscallError("announce "+ip.String()+" on "+dev, err)
	}
	return nil
}

// linkwatchWait bounds the wait for the kernel to act on a link's new
// carrier: linkwatch does so asynchronously, up to a second late.
const linkwatchWait = time.Second

// operational returns dev's attributes once the kernel has acted on its
// carrier (operstate up), or nil for a link with nobody to tell (down,
// no carrier, no Ethernet address). A link just brought up, as a bond
// slave released and restored, has carrier before linkwatch has passed
// it on — to the switch's side too (the peer of a veth, a bridge port
// that still drops what arrives): an announcement then would be lost.
func operational(tg *target.Target, dev string) (*netlink.LinkAttrs, error) {
	deadline := time.Now().Add(linkwatchWait)
	for {
		l, err := tg.LinkByName(dev)
		if err != nil {
			return nil, err
		}
		a := l.Attrs()
		if len(a.HardwareAddr) != 6 || a.Flags&net.FlagUp == 0 || a.RawFlags&unix.IFF_LOWER_UP == 0 {
			return nil, nil
		}
		pending := a.OperState == netlink.OperDown || a.OperState == netlink.OperLowerLayerDown
		if !pending || time.Now().After(deadline) {
			return a, nil
		}
		time.Sleep(time.Millisecond)
	}
}

// request is the ARP payload of a gratuitous request: who has ip, tell
// ip at mac (RFC 5227's announcement; the kernel's arp_notify sends it).
func request(mac net.HardwareAddr, ip net.IP) []byte { return Request(mac, ip, ip) }

// Request is the 28-byte payload of an ARP request over Ethernet for
// IPv4: who has target, tell sender at mac.
func Request(mac net.HardwareAddr, sender, target net.IP) []byte {
	b := make([]byte, 28)
	binary.BigEndian.PutUint16(b[0:], 1)      // Ethernet
	binary.BigEndian.PutUint16(b[2:], 0x0800) // IPv4
	b[4], b[5] = 6, 4
	binary.BigEndian.PutUint16(b[6:], 1) // request
	copy(b[8:14], mac)
	copy(b[14:18], sender.To4())
	copy(b[24:28], target.To4())
	return b
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// AnnounceHeld announces each global IPv4 address of the host from the
// link that holds it, skip excepted; best effort, as Announce.
func AnnounceHeld(tg *target.Target, skip string) {
	all, err := tg.AddrList(nil, netlink.FAMILY_V4)
	if err != nil {
		return
	}
	for _, a := range all {
		if a.Scope != unix.RT_SCOPE_UNIVERSE {
			continue
		}
		if l, err := tg.LinkByIndex(a.LinkIndex); err == nil && l.Attrs().Name != skip {
			Announce(tg, l.Attrs().Name, a.IP)
		}
	}
}
