package probe

import (
	"encoding/binary"
	"errors"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"rewire/bindings/target"
)

// Ping sends up to o.Count ICMP echo requests to ip from inside tg's
// namespace and reports whether one was answered — `ping -c COUNT -W
// TIMEOUT IP`. An error means the probe could not be made at all (bad
// address, no socket), not that nobody answered.
func Ping(tg *target.Target, ip string, o Options) (bool, error) {
	dst, err := parseIP(ip)
	if err != nil {
		return false, err
	}
	fd, err := icmpSocket(tg, dst.To4() == nil)
	if err != nil {
		return false, err
	}
	defer unix.Close(fd)
	id := uint16(os.Getpid())
	for seq := 1; seq <= o.count(); seq++ {
		ok, err := echo(fd, dst, id, uint16(seq), o.timeout())
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// icmpSocket opens a raw ICMP socket inside the target's namespace; the
// socket stays in that namespace wherever it is used afterwards.
func icmpSocket(tg *target.Target, v6 bool) (fd int, err error) {
	err = tg.Do(func() error {
		if v6 {
			fd, err = unix.Socket(unix.AF_INET6, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_ICMPV6)
		} else {
			fd, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_ICMP)
		}
		if err != nil {
			return os.NewSyscallError("icmp socket", err)
		}
		return nil
	})
	return fd, err
}

// echo sends one echo request and waits up to timeout for its reply.
func echo(fd int, dst net.IP, id, seq uint16, timeout time.Duration) (bool, error) {
	v6 := dst.To4() == nil
	msg := make([]byte, 8+16)
	msg[0] = 8 // echo request
	if v6 {
		msg[0] = 128
	}
	binary.BigEndian.PutUint16(msg[4:], id)
	binary.BigEndian.PutUint16(msg[6:], seq)
	copy(msg[8:], "rewire probe....")
	if !v6 { // the kernel checksums ICMPv6 itself
		binary.BigEndian.PutUint16(msg[2:], checksum(msg))
	}
	var sa unix.Sockaddr
	if v6 {
		a := &unix.SockaddrInet6{}
		copy(a.Addr[:], dst.To16())
		sa = a
	} else {
		a := &unix.SockaddrInet4{}
		copy(a.Addr[:], dst.To4())
		sa = a
	}
	if err := unix.Sendto(fd, msg, 0, sa); err != nil {
		// No route, unreachable network: nobody can answer.
		if errors.Is(err, unix.ENETUNREACH) || errors.Is(err, unix.EHOSTUNREACH) || errors.Is(err, unix.EINVAL) {
			return false, nil
		}
		return false, os.NewSyscallError("icmp send", err)
	}
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 1500)
	for {
		left, err := remaining(deadline)
		if err != nil {
			return false, nil
		}
		tv := unix.NsecToTimeval(left.Nanoseconds())
		unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		n, from, err := unix.Recvfrom(fd, buf, 0)
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return false, os.NewSyscallError("icmp receive", err)
		}
		if isReply(buf[:n], from, dst, id, seq) {
			return true, nil
		}
	}
}

// isReply tells our echo reply from the other ICMP a raw socket sees.
func isReply(b []byte, from unix.Sockaddr, dst net.IP, id, seq uint16) bool {
	want := byte(0)
	switch a := from.(type) {
	case *unix.SockaddrInet4:
		if !net.IP(a.Addr[:]).Equal(dst) || len(b) < 20 {
			return false
		}
		b = b[int(b[0]&0x0f)*4:] // IPv4 raw sockets deliver the IP header too
	case *unix.SockaddrInet6:
		if !net.IP(a.Addr[:]).Equal(dst) {
			return false
		}
		want = 129
	default:
		return false
	}
	return len(b) >= 8 && b[0] == want &&
		binary.BigEndian.Uint16(b[4:]) == id && binary.BigEndian.Uint16(b[6:]) == seq
}

func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
