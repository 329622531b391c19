package probe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"rewire/bindings/garp"
	"rewire/bindings/target"
	"rewire/lua/engine"
)

const ethPArp = 0x0806

// ARP asks who has ip on dev with an ARP request from dev's MAC (and its
// first IPv4 address, or 0.0.0.0 as an RFC 5227 probe) — `arping -I DEV
// IP` — and returns the answering MAC, or "" when nobody answered.
func ARP(tg *target.Target, ip, dev string, o Options) (string, error) {
	dst, err := parseIP(ip)
	if err != nil {
		return "", err
	}
	if dst.To4() == nil {
		return "", engine.Invalid("%s: ARP is IPv4 only (use ping for IPv6 neighbours)", ip)
	}
	h, err := tg.Handle()
	if err != nil {
		return "", err
	}
	l, err := h.LinkByName(dev)
	if err != nil {
		return "", engine.NotFound("interface %s not found", dev)
	}
	mac := l.Attrs().HardwareAddr
	if len(mac) != 6 {
		return "", engine.Invalid("interface %s has no Ethernet address", dev)
	}
	src := net.IPv4zero.To4()
	if addrs, err := h.AddrList(l, unix.AF_INET); err == nil && len(addrs) > 0 {
		src = addrs[0].IP.To4()
	}
	fd, err := packetSocket(tg, l.Attrs().Index)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	frame := arpRequest(mac, src, dst.To4())
	to := &unix.SockaddrLinklayer{Protocol: htons(ethPArp), Ifindex: l.Attrs().Index, Halen: 6}
	copy(to.Addr[:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	for i := 0; i < o.count(); i++ {
		if err := unix.Sendto(fd, frame, 0, to); err != nil {
			if errors.Is(err, unix.ENETDOWN) {
				return "", nil // a down link answers nothing
			}
			return "", os.NewSyscallError("arp send on "+dev, err)
		}
		if got := awaitARPReply(fd, mac, dst.To4(), time.Now().Add(o.timeout())); got != "" {
			return got, nil
		}
	}
	return "", nil
}

// packetSocket opens a raw packet socket bound to one interface. It
// listens to every protocol because frames on a bridge port are handed
// to per-protocol sockets only after the bridge has taken them.
func packetSocket(tg *target.Target, ifindex int) (fd int, err error) {
	err = tg.Do(func() error {
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			return os.NewSyscallError("packet socket", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifindex}); err != nil {
		unix.Close(fd)
		return 0, os.NewSyscallError("packet bind", err)
	}
	return fd, nil
}

// arpRequest builds an Ethernet broadcast frame asking who has dst.
func arpRequest(mac net.HardwareAddr, src, dst net.IP) []byte {
	b := make([]byte, 14+28)
	copy(b[0:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	copy(b[6:12], mac)
	binary.BigEndian.PutUint16(b[12:], ethPArp)
	copy(b[14:], garp.Request(mac, src, dst))
	return b
}

// awaitARPReply reads frames until an ARP reply from dst to mac arrives
// or the deadline passes; it returns the sender's MAC or "".
func awaitARPReply(fd int, mac net.HardwareAddr, dst net.IP, deadline time.Time) string {
	buf := make([]byte, 1600)
	for {
		left, err := remaining(deadline)
		if err != nil {
			return ""
		}
		tv := unix.NsecToTimeval(left.Nanoseconds())
		unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return ""
		}
		b := buf[:n]
		if n < 42 || binary.BigEndian.Uint16(b[12:]) != ethPArp {
			continue
		}
		a := b[14:]
		if binary.BigEndian.Uint16(a[6:]) == 2 && net.IP(a[14:18]).Equal(dst) && bytes.Equal(a[18:24], mac) {
			return net.HardwareAddr(append([]byte(nil), a[8:14]...)).String()
		}
	}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
