package bench

import (
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"time"

	"rewire/bindings/target"
)

// echoPort is the UDP port of the responder on the lab host.
const echoPort = 7007

// Responder echoes UDP datagrams inside the lab host's namespace. Bound
// to the wildcard address, it answers whichever link holds the host IP.
type Responder struct{ conn *net.UDPConn }

// StartResponder opens the echo socket inside tg's namespace (a socket
// stays in the namespace it was made in) and serves it until Close.
func StartResponder(tg *target.Target) (*Responder, error) {
	var conn *net.UDPConn
	err := tg.Do(func() error {
		var err error
		conn, err = net.ListenUDP("udp4", &net.UDPAddr{Port: echoPort})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("echo responder on %s: %w", tg.Name, err)
	}
	go func() {
		buf := make([]byte, 64)
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			conn.WriteToUDP(buf[:n], from)
		}
	}()
	return &Responder{conn: conn}, nil
}

// Close stops the responder.
func (r *Responder) Close() { r.conn.Close() }

// Prober sends one numbered UDP probe per interval from the LAN namespace
// and notes when each reply comes back. It is bounded by max probes.
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
	p := &Prober{conn: conn, interval: interval, stop: make(chan struct{}),
		sent: make([]time.Time, 0, max), recv: make([]time.Time, max)}
	p.done.Add(2)
	go p.send(max)
	go p.receive()
	return p, nil
}

func (p *Prober) send(max int) {
	defer p.done.Done()
	tick := time.NewTicker(p.interval)
	defer tick.Stop()
	msg := make([]byte, 8)
	for seq := 0; seq < max; seq++ {
		binary.BigEndian.PutUint64(msg, uint64(seq))
		p.mu.Lock()
		p.sent = append(p.sent, time.Now())
		p.mu.Unlock()
		p.conn.Write(msg) // a refused or unroutable probe is simply lost
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
	}
}

func (p *Prober) receive() {
	defer p.done.Done()
	buf := make([]byte, 64)
	for {
		n, err := p.conn.Read(buf)
		now := time.Now()
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
		seq := binary.BigEndian.Uint64(buf)
		p.mu.Lock()
		if seq < uint64(len(p.sent)) && p.recv[seq].IsZero() {
			p.recv[seq] = now
		}
		p.mu.Unlock()
	}
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
