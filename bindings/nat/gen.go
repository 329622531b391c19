package nat

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"rewire/bindings/target"
)

// One call of a rule-adding primitive reads the ruleset first, to add only
// what is missing and record what to undo. A loop of such calls would read
// an ever longer iptables-save each time; so, with iptables-nft, the
// ruleset a call leaves is kept and reused while the kernel's nftables
// generation id says nobody changed any rule since: every nftables commit
// bumps it, whoever makes it.

// genID is the kernel's nftables ruleset generation (`nft list ruleset`
// changes exactly when it does), asked over nfnetlink (NFT_MSG_GETGEN).
func genID(tg *target.Target) (uint32, error) {
	fd, err := nfnetlink(tg)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	const subsys = unix.NFNL_SUBSYS_NFTABLES
	req := nlmsg(subsys<<8|unix.NFT_MSG_GETGEN, unix.NLM_F_REQUEST, 1, unix.AF_UNSPEC, 0, nil)
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return 0, err
	}
	buf := make([]byte, 4096)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return 0, err
	}
	b := buf[:n]
	if len(b) < unix.NLMSG_HDRLEN+4 || binary.NativeEndian.Uint16(b[4:]) != subsys<<8|unix.NFT_MSG_NEWGEN {
		if err := ackError(b); err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("nfnetlink: no generation in the reply")
	}
	attrs := b[unix.NLMSG_HDRLEN+4 : int(binary.NativeEndian.Uint32(b[0:]))]
	for len(attrs) >= 4 {
		l := int(binary.NativeEndian.Uint16(attrs[0:]))
		typ := binary.NativeEndian.Uint16(attrs[2:])
		if l < 4 || l > len(attrs) {
			break
		}
		if typ == unix.NFTA_GEN_ID && l >= 8 {
			return binary.BigEndian.Uint32(attrs[4:]), nil
		}
		attrs = attrs[(l+3)&^3:]
	}
	return 0, fmt.Errorf("nfnetlink: no generation in the reply")
}

// cacheKey names one family's rules in one network namespace.
type cacheKey struct {
	dev, ino uint64
	family   Family
}

type cached struct {
	gen uint32
	rs  *ruleset
}

var (
	cacheMu   sync.Mutex
	cache     = map[cacheKey]cached{}
	cacheHits int // for tests: how often a kept ruleset was reused
)

func keyOf(tg *target.Target, f Family) (cacheKey, bool) {
	path := tg.NetnsPath
	if path == "" {
		path = "/proc/self/ns/net"
	}
	fi, err := os.Stat(path)
	if err != nil {
		return cacheKey{}, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return cacheKey{}, false
	}
	return cacheKey{dev: uint64(st.Dev), ino: st.Ino, family: f}, true
}

// loadForChange is load, reusing the ruleset the last change left when
// no nftables commit happened since. It returns the generation it read
// (ok false: none, so afterChange will keep nothing).
func loadForChange(tg *target.Target, f Family) (*ruleset, uint32, bool, error) {
	key, keyed := keyOf(tg, f)
	gen, err := genID(tg)
	ok := keyed && err == nil
	if ok {
		cacheMu.Lock()
		c, hit := cache[key]
		hit = hit && c.gen == gen
		if hit {
			cacheHits++
		}
		cacheMu.Unlock()
		if hit {
			return c.rs, gen, true, nil
		}
	}
	rs, err := load(tg, f)
	if err != nil {
		return nil, 0, false, err
	}
	if ok {
		// Someone committed while iptables-save ran: the copy may be torn.
		if again, err := genID(tg); err != nil || again != gen {
			ok = false
		}
	}
	return rs, gen, ok && rs.NFT, nil
}

// forget drops what is kept for tg's rules of family f.
func forget(tg *target.Target, f Family) {
	if key, ok := keyOf(tg, f); ok {
		cacheMu.Lock()
		delete(cache, key)
		cacheMu.Unlock()
	}
}

// afterChange keeps the ruleset p leaves, when the generation moved by
// exactly the commits p's batch made (one per table): then nobody else
// changed a rule since the ruleset was read.
func afterChange(tg *target.Target, rs *ruleset, gen uint32, p *plan) {
	key, keyed := keyOf(tg, rs.Family)
	if !keyed {
		return
	}
	cacheMu.Lock()
	defer cacheMu.Unlock()
	delete(cache, key)
	now, err := genID(tg)
	if err != nil || now != gen+uint32(len(p.applyBatch().order)) || len(p.Tables) > 0 {
		return // a table of its own, or another writer: read it again next time
	}
	p.applyTo(rs)
	cache[key] = cached{gen: now, rs: rs}
}

// applyTo makes in rs the lines the batch made in the kernel, as
// iptables-save prints them.
func (p *plan) applyTo(rs *ruleset) {
	for _, c := range p.Chains {
		t := rs.Tables[c.Table]
		t.Policies[c.Chain] = "-"
		t.Order = append(t.Order, c.Chain)
	}
	for _, c := range append(append([]chainRef(nil), p.Chains...), p.Jumps...) {
		rs.Tables[c.Table].insertFirst(builtinOf(c.Table, c.Chain), jumpLine(c))
	}
	// Each chain's new lines in one pass: -I CHAIN 1 of each (last
	// first) leaves them in the batch's order, as -A does.
	type where struct {
		table, chain string
		first        bool
	}
	var order []where
	lines := map[where][]string{}
	for _, r := range p.Rules {
		w := where{r.Table, r.Chain, r.First}
		if _, ok := lines[w]; !ok {
			order = append(order, w)
		}
		lines[w] = append(lines[w], r.Line())
	}
	for _, w := range order {
		if w.first {
			rs.Tables[w.table].insertFirstAll(w.chain, lines[w])
		} else {
			rs.Tables[w.table].appendAll(w.chain, lines[w])
		}
	}
}
