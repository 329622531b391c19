package nat

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"

	"rewire/bindings/target"
)

// deleteTable removes an nftables table of the iptables-nft family — what
// `nft delete table ip nat` does — so that a table rewire brought into
// being is gone again after rollback, as iptables itself cannot do. It
// speaks nfnetlink directly: one batch holding one NFT_MSG_DELTABLE.
func deleteTable(tg *target.Target, f Family, name string) error {
	fd, err := nfnetlink(tg)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	proto := uint8(unix.NFPROTO_IPV4)
	if f == IPv6 {
		proto = unix.NFPROTO_IPV6
	}
	const subsys = unix.NFNL_SUBSYS_NFTABLES
	var msg []byte
	msg = append(msg, nlmsg(unix.NFNL_MSG_BATCH_BEGIN, unix.NLM_F_REQUEST, 1, unix.AF_UNSPEC, subsys, nil)...)
	attr := nlattr(unix.NFTA_TABLE_NAME, append([]byte(name), 0))
	msg = append(msg, nlmsg(subsys<<8|unix.NFT_MSG_DELTABLE, unix.NLM_F_REQUEST|unix.NLM_F_ACK, 2, proto, 0, attr)...)
	msg = append(msg, nlmsg(unix.NFNL_MSG_BATCH_END, unix.NLM_F_REQUEST, 3, unix.AF_UNSPEC, subsys, nil)...)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 8192)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return err
	}
	return ackError(buf[:n])
}

// nfnetlink opens a bound netfilter netlink socket inside tg's namespace
// (a socket stays in the namespace it was made in).
func nfnetlink(tg *target.Target) (int, error) {
	fd := -1
	err := tg.Do(func() error {
		var err error
		fd, err = unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
		return err
	})
	if err == nil {
		err = unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
	}
	if err != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		return -1, fmt.Errorf("nfnetlink socket: %w", err)
	}
	return fd, nil
}

// nlmsg is a netlink header plus an nfgenmsg plus attributes.
func nlmsg(typ, flags uint16, seq uint32, family uint8, resID uint16, attrs []byte) []byte {
	b := make([]byte, unix.NLMSG_HDRLEN+4, unix.NLMSG_HDRLEN+4+len(attrs))
	b = append(b, attrs...)
	binary.NativeEndian.PutUint32(b[0:], uint32(len(b)))
	binary.NativeEndian.PutUint16(b[4:], typ)
	binary.NativeEndian.PutUint16(b[6:], flags)
	binary.NativeEndian.PutUint32(b[8:], seq)
	b[16] = family
	b[17] = unix.NFNETLINK_V0
	binary.BigEndian.PutUint16(b[18:], resID)
	return b
}

func nlattr(typ uint16, data []byte) []byte {
	l := 4 + len(data)
	b := make([]byte, (l+3)&^3)
	binary.NativeEndian.PutUint16(b[0:], uint16(l))
	binary.NativeEndian.PutUint16(b[2:], typ)
	copy(b[4:], data)
	return b
}

// ackError reads the kernel's acknowledgements; ENOENT means already gone.
func ackError(b []byte) error {
	for len(b) >= unix.NLMSG_HDRLEN {
		l := int(binary.NativeEndian.Uint32(b[0:]))
		typ := binary.NativeEndian.Uint16(b[4:])
		if l < unix.NLMSG_HDRLEN || l > len(b) {
			return nil
		}
		if typ == unix.NLMSG_ERROR && l >= unix.NLMSG_HDRLEN+4 {
			if code := int32(binary.NativeEndian.Uint32(b[unix.NLMSG_HDRLEN:])); code != 0 {
				if errno := unix.Errno(-code); errno != unix.ENOENT {
					return errno
				}
			}
		}
		b = b[(l+3)&^3:]
	}
	return nil
}
