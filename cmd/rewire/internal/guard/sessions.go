// Package guard keeps a change from cutting the admin off the host:
// it finds the admin's SSH sessions, notes which probes (gateways, the SSH
// client) answer before a change and requires them after, arms
// confirm-or-revert when a change touches a session's path, and runs the
// detached guardian that reverts an unconfirmed change.
package guard

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"

	"rewire/bindings/target"
)

// Session is one admin session into the target host: a TCP connection to
// sshd, and the link that carries it.
type Session struct {
	Client     net.IP
	ClientPort int
	Server     net.IP
	ServerPort int
	Dev        string // the link the route to the client leaves by
	Master     string // Dev's bridge or bond, if it is enslaved
	From       string // "SSH_CONNECTION" or "sshd"
}

func (s Session) String() string {
	via := s.Dev
	if s.Master != "" {
		via += " (in " + s.Master + ")"
	}
	return fmt.Sprintf("your SSH session (%s -> %s) runs over %s",
		net.JoinHostPort(s.Client.String(), strconv.Itoa(s.ClientPort)),
		net.JoinHostPort(s.Server.String(), strconv.Itoa(s.ServerPort)), via)
}

// Sessions finds the admin sessions into tg — `ss -tn state established
// '( sport = :ssh )'` plus $SSH_CONNECTION when it names an address of tg —
// and the link each one runs over.
func Sessions(tg *target.Target) []Session {
	var out []Session
	seen := map[string]bool{}
	add := func(s Session) {
		key := s.Client.String() + "|" + strconv.Itoa(s.ClientPort)
		if seen[key] || !carried(tg, &s) {
			return
		}
		seen[key] = true
		out = append(out, s)
	}
	if s, ok := fromEnv(os.Getenv("SSH_CONNECTION")); ok && isLocal(tg, s.Server) {
		add(s)
	}
	for _, s := range fromSockets(tg) {
		add(s)
	}
	return out
}

// fromEnv parses "client_ip client_port server_ip server_port".
func fromEnv(v string) (Session, bool) {
	f := strings.Fields(v)
	if len(f) != 4 {
		return Session{}, false
	}
	cp, err1 := strconv.Atoi(f[1])
	sp, err2 := strconv.Atoi(f[3])
	c, s := net.ParseIP(f[0]), net.ParseIP(f[2])
	if err1 != nil || err2 != nil || c == nil || s == nil {
		return Session{}, false
	}
	return Session{Client: c, ClientPort: cp, Server: s, ServerPort: sp, From: "SSH_CONNECTION"}, true
}

func isLocal(tg *target.Target, ip net.IP) bool {
	addrs, err := tg.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if a.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// carried fills in the link the route to the client leaves by; false
// when no route leads there (loopback or unreachable: nothing to guard).
func carried(tg *target.Target, s *Session) bool {
	h, err := tg.Handle()
	if err != nil {
		return false
	}
	rs, err := h.RouteGet(s.Client)
	if err != nil || len(rs) == 0 || rs[0].LinkIndex == 0 {
		return false
	}
	l, err := h.LinkByIndex(rs[0].LinkIndex)
	if err != nil || l.Type() == "device" && l.Attrs().Flags&net.FlagLoopback != 0 {
		return false
	}
	s.Dev = l.Attrs().Name
	if m := l.Attrs().MasterIndex; m != 0 {
		if ml, err := h.LinkByIndex(m); err == nil {
			s.Master = ml.Attrs().Name
		}
	}
	return true
}

// fromSockets lists established TCP connections to the ports sshd listens
// on, read from /proc/net/tcp{,6} of the target's namespace.
func fromSockets(tg *target.Target) []Session {
	var tables [][]sock
	tg.Do(func() error {
		// thread-self: Do moved this thread, not the whole process, into the namespace.
		for _, f := range []string{"tcp", "tcp6"} {
			tables = append(tables, readSockets(filepath.Join("/proc/thread-self/net", f)))
		}
		return nil
	})
	inodes := sshdInodes()
	ports := map[int]bool{}
	for _, t := range tables {
		for _, s := range t {
			if s.state == tcpListen && (inodes[s.inode] || len(inodes) == 0 && s.localPort == 22) {
				ports[s.localPort] = true
			}
		}
	}
	var out []Session
	for _, t := range tables {
		for _, s := range t {
			if s.state == tcpEstablished && ports[s.localPort] {
				out = append(out, Session{Client: s.remote, ClientPort: s.remotePort,
					Server: s.local, ServerPort: s.localPort, From: "sshd"})
			}
		}
	}
	return out
}

const (
	tcpEstablished = 0x01
	tcpListen      = 0x0A
)

type sock struct {
	local, remote         net.IP
	localPort, remotePort int
	state                 int
	inode                 string
}

// readSockets parses /proc/net/tcp: "sl local rem st ... inode".
func readSockets(path string) []sock {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []sock
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 10 {
			continue
		}
		l, lp, ok1 := hexAddr(fl[1])
		r, rp, ok2 := hexAddr(fl[2])
		st, err := strconv.ParseInt(fl[3], 16, 32)
		if !ok1 || !ok2 || err != nil {
			continue
		}
		out = append(out, sock{local: l, remote: r, localPort: lp, remotePort: rp, state: int(st), inode: fl[9]})
	}
	return out
}

// hexAddr decodes "0100007F:0016": the address in host (little-endian)
// 32-bit words, the port in big-endian hex.
func hexAddr(s string) (net.IP, int, bool) {
	a, p, ok := strings.Cut(s, ":")
	if !ok {
		return nil, 0, false
	}
	b, err := hex.DecodeString(a)
	port, perr := strconv.ParseUint(p, 16, 16)
	if err != nil || perr != nil || (len(b) != 4 && len(b) != 16) {
		return nil, 0, false
	}
	for i := 0; i < len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	ip := net.IP(b)
	if v4 := ip.To4(); v4 != nil {
		ip = v4
	}
	return ip, int(port), true
}

// sshdInodes are the socket inodes held by sshd processes, so that an sshd
// on a port other than 22 is found too.
func sshdInodes() map[string]bool {
	out := map[string]bool{}
	pids, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range pids {
		comm, err := os.ReadFile(filepath.Join(p, "comm"))
		if err != nil || !strings.HasPrefix(strings.TrimSpace(string(comm)), "sshd") {
			continue
		}
		fds, _ := os.ReadDir(filepath.Join(p, "fd"))
		for _, fd := range fds {
			l, err := os.Readlink(filepath.Join(p, "fd", fd.Name()))
			if ino, ok := strings.CutPrefix(l, "socket:["); err == nil && ok {
				out[strings.TrimSuffix(ino, "]")] = true
			}
		}
	}
	return out
}
