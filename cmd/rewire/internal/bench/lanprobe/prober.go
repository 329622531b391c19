package lanprobe

import (
	"encoding/binary"
	"fmt"
	"net"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"rewire/bindings/target"
)

// echoPort is the UDP port of the responder on the lab host.
const echoPort = 7007

// Responder echoes UDP datagrams inside the lab host's namespace. Bound
// to the wildcard address, it answers whichever link holds the host IP.
// Like the prober's sender it is a real-time thread blocked in the
// kernel, so a reply leaves when the host can send it, not when the Go
// scheduler gets round to it.
type Responder struct {
	fd   int
	done chan struct{}
	mu   sync.Mutex
	got  map[uint64]bool // the probes that reached the host, by number
}

// StartResponder opens the echo socket inside tg's namespace (a socket
// stays in the namespace it was made in) and serves it until Close.
func StartResponder(tg *target.Target) (*Responder, error) {
	fd := -1
	err := tg.Do(func() error {
		var err error
		if fd, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err != nil {
			return err
		}
		roomy(fd)
		return unix.Bind(fd, &unix.SockaddrInet4{Port: echoPort})
	})
	if err != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("echo responder on %s: %w", tg.Name, err)
	}
	r := &Responder{fd: fd, done: make(chan struct{}), got: map[uint64]bool{}}
	go r.serve()
	return r, nil
}

func (r *Responder) serve() {
	defer close(r.done)
	runtime.LockOSThread() // never unlocked: the thread exits with us
	realtime()
	buf := make([]byte, 64)
	for {
		n, from, err := unix.Recvfrom(r.fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil || (n == 0 && from == nil) { // shut down
			return
		}
		if n >= 8 {
			r.mu.Lock()
			r.got[binary.BigEndian.Uint64(buf)] = true
			r.mu.Unlock()
		}
		unix.Sendto(r.fd, buf[:n], 0, from)
	}
}

// reached says, for each of n probes, whether it reached the host.
func (r *Responder) reached(n int) []bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]bool, n)
	for i := range out {
		out[i] = r.got[uint64(i)]
	}
	return out
}

// Close stops the responder.
func (r *Responder) Close() {
	unix.Shutdown(r.fd, unix.SHUT_RDWR)
	<-r.done
	unix.Close(r.fd)
}

// rcvBuf holds what arrives while a stalled machine (a TCG guest the host
// does not schedule) runs nobody to read it: the sender catches up with
// a burst afterwards, and the default buffer (some 200 datagrams) would
// turn a stall into lost probes the network never dropped.
const rcvBuf = 8 << 20

// roomy gives a socket rcvBuf, beyond rmem_max where allowed (root).
func roomy(fd int) {
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvBuf) != nil {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvBuf)
	}
}

// realtime puts the calling (locked) thread at SCHED_FIFO priority, best
// effort: the bench measures the host, and must not be preempted by it.
func realtime() {
	param := struct{ prio int32 }{50}
	unix.Syscall(unix.SYS_SCHED_SETSCHEDULER, 0, 1 /* SCHED_FIFO */, uintptr(unsafe.Pointer(&param)))
}

// Prober sends one numbered UDP probe per interval from the LAN namespace
// and notes when each reply comes back. It is bounded by max probes.
//
// What it measures must be the host, not the prober: the sender is a
// thread of its own at real-time priority that sleeps to absolute
// deadlines in the kernel (sendThread), and each reply's arrival time is
// the kernel's receive timestamp (SO_TIMESTAMPNS), so neither the Go
// scheduler nor a busy machine adds gaps of their own.
type Prober struct {
	conn     *net.UDPConn
	interval time.Duration
	stop     chan struct{}
	done     sync.WaitGroup
	sent     []time.Time
	recv     []time.Time
	mu       sync.Mutex
}

// StartProber starts probing dst:echoPort from inside lan's namespace.
func StartProber(lan *target.Target, dst string, interval time.Duration, max int) (*Prober, error) {
	ip := net.ParseIP(dst)
	if ip == nil {
		return nil, fmt.Errorf("prober: bad address %q", dst)
	}
	var conn *net.UDPConn
	err := lan.Do(func() error {
		var err error
		conn, err = net.DialUDP("udp4", nil, &net.UDPAddr{IP: ip, Port: echoPort})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("prober in %s: %w", lan.Name, err)
	}
	var fd int
	rc, _ := conn.SyscallConn()
	var serr error
	rc.Control(func(raw uintptr) {
		roomy(int(raw))
		serr = unix.SetsockoptInt(int(raw), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
		if serr == nil {
			fd, serr = unix.Dup(int(raw))
		}
	})
	if serr != nil {
		conn.Close()
		return nil, fmt.Errorf("prober socket: %w", serr)
	}
	p := &Prober{conn: conn, interval: interval, stop: make(chan struct{}),
		sent: make([]time.Time, 0, max), recv: make([]time.Time, max)}
	p.done.Add(2)
	go p.sendThread(fd, max)
	go p.receive()
	return p, nil
}

// sendThread sends the probes from a locked OS thread at SCHED_FIFO
// priority (best effort), sleeping to absolute deadlines with
// clock_nanosleep; the thread ends with the goroutine, priority and all.
func (p *Prober) sendThread(fd, max int) {
	defer p.done.Done()
	defer unix.Close(fd)
	runtime.LockOSThread() // never unlocked: the thread exits with us
	realtime()
	var next unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &next)
	step := p.interval.Nanoseconds()
	msg := make([]byte, 8)
	for seq := 0; seq < max; seq++ {
		select {
		case <-p.stop:
			return
		default:
		}
		binary.BigEndian.PutUint64(msg, uint64(seq))
		p.mu.Lock()
		p.sent = append(p.sent, time.Now().Round(0)) // wall clock, as kernel timestamps are
		p.mu.Unlock()
		unix.Write(fd, msg) // a refused or unroutable probe is simply lost
		ns := next.Nano() + step
		next = unix.NsecToTimespec(ns)
		for unix.ClockNanosleep(unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME, &next, nil) == unix.EINTR {
		}
	}
}

func (p *Prober) receive() {
	defer p.done.Done()
	buf := make([]byte, 64)
	oob := make([]byte, 128)
	for {
		n, oobn, _, _, err := p.conn.ReadMsgUDP(buf, oob)
		now := time.Now().Round(0)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return
			}
			select {
			case <-p.stop:
				return
			default:
				continue // ICMP unreachable surfaces as a read error: keep going
			}
		}
		if n < 8 {
			continue
		}
		if at, ok := kernelStamp(oob[:oobn]); ok {
			now = at
		}
		seq := binary.BigEndian.Uint64(buf)
		p.mu.Lock()
		if seq < uint64(len(p.sent)) && p.recv[seq].IsZero() {
			p.recv[seq] = now
		}
		p.mu.Unlock()
	}
}

// kernelStamp is the SO_TIMESTAMPNS receive time in a control message.
func kernelStamp(oob []byte) (time.Time, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Time{}, false
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SO_TIMESTAMPNS && len(m.Data) >= int(unsafe.Sizeof(unix.Timespec{})) {
			ts := *(*unix.Timespec)(unsafe.Pointer(&m.Data[0]))
			return time.Unix(ts.Sec, ts.Nsec), true
		}
	}
	return time.Time{}, false
}

// Stop ends probing, waits grace for replies still on their way, and
// returns the timeline.
func (p *Prober) Stop(grace time.Duration) Timeline {
	close(p.stop)
	p.conn.SetReadDeadline(time.Now().Add(grace))
	p.done.Wait()
	p.conn.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	return Timeline{Sent: p.sent, Recv: p.recv[:len(p.sent)]}
}

// AnsweredSince reports whether a probe sent at or after t was answered.
func (p *Prober) AnsweredSince(t time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.sent) - 1; i >= 0 && !p.sent[i].Before(t); i-- {
		if !p.recv[i].IsZero() {
			return true
		}
	}
	return false
}
