package bond

import (
	"errors"
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"

	"rewire/bindings/errkind"
	"rewire/bindings/target"
)

// getBond returns the bond called name, or says what it is instead.
func getBond(tg *target.Target, name string) (*netlink.Bond, error) {
	l, err := tg.LinkByName(name)
	if err != nil {
		return nil, err
	}
	b, ok := l.(*netlink.Bond)
	if !ok {
		return nil, errkind.Invalid("%s is a %s, not a bond", name, kindOf(l))
	}
	return b, nil
}

func kindOf(l netlink.Link) string {
	if l.Type() == "" {
		return "device"
	}
	return l.Type()
}

// readConfig is `ip -d link show BOND` for the options rewire manages.
func readConfig(tg *target.Target, b *netlink.Bond) Config {
	c := Config{Miimon: b.Miimon, UpDelay: b.UpDelay, DownDelay: b.DownDelay}
	if int(b.Mode) >= 0 && int(b.Mode) < len(Modes) {
		c.Mode = Modes[b.Mode]
	}
	if int(b.LacpRate) >= 0 && int(b.LacpRate) < len(LacpRates) {
		c.LacpRate = LacpRates[b.LacpRate]
	}
	if int(b.XmitHashPolicy) >= 0 && int(b.XmitHashPolicy) < len(HashPolicies) {
		c.XmitHashPolicy = HashPolicies[b.XmitHashPolicy]
	}
	c.Primary = nameOfIndex(tg, b.Primary)
	return c
}

func nameOfIndex(tg *target.Target, idx int) string {
	if idx <= 0 {
		return ""
	}
	l, err := tg.LinkByIndex(idx)
	if err != nil {
		return ""
	}
	return l.Attrs().Name
}

// bondAttr is one IFLA_BOND_* attribute (lacp_rate: the kernel keeps and
// reports it in every mode but takes it in 802.3ad only); the list is in the order the
// kernel itself applies them (mode first, miimon before the delays).
type bondAttr struct {
	name   string
	ifdown bool // the kernel wants the bond down to change it
	differ func(cur, want Config) bool
	encode func(tg *target.Target, want Config) (uint16, []byte, error)
}

var bondAttrs = []bondAttr{
	{"mode", true, func(c, w Config) bool { return c.Mode != w.Mode }, func(_ *target.Target, w Config) (uint16, []byte, error) {
		return nl.IFLA_BOND_MODE, nl.Uint8Attr(uint8(indexOf(Modes, w.Mode))), nil
	}},
	{"miimon", false, func(c, w Config) bool { return c.Miimon != w.Miimon }, func(_ *target.Target, w Config) (uint16, []byte, error) {
		return nl.IFLA_BOND_MIIMON, nl.Uint32Attr(uint32(w.Miimon)), nil
	}},
	{"updelay", false, func(c, w Config) bool { return c.UpDelay != w.UpDelay }, func(_ *target.Target, w Config) (uint16, []byte, error) {
		return nl.IFLA_BOND_UPDELAY, nl.Uint32Attr(uint32(w.UpDelay)), nil
	}},
	{"downdelay", false, func(c, w Config) bool { return c.DownDelay != w.DownDelay }, func(_ *target.Target, w Config) (uint16, []byte, error) {
		return nl.IFLA_BOND_DOWNDELAY, nl.Uint32Attr(uint32(w.DownDelay)), nil
	}},
	{"primary", false, func(c, w Config) bool { return c.Primary != w.Primary }, func(tg *target.Target, w Config) (uint16, []byte, error) {
		idx := 0 // 0 clears the primary
		if w.Primary != "" {
			l, err := tg.LinkByName(w.Primary)
			if err != nil {
				return 0, nil, fmt.Errorf("primary %s: %w", w.Primary, err)
			}
			idx = l.Attrs().Index
		}
		return nl.IFLA_BOND_PRIMARY, nl.Uint32Attr(uint32(idx)), nil
	}},
	{"lacp_rate", true, func(c, w Config) bool { return w.Mode == "802.3ad" && w.LacpRate != "" && c.LacpRate != w.LacpRate }, func(_ *target.Target, w Config) (uint16, []byte, error) {
		return nl.IFLA_BOND_AD_LACP_RATE, nl.Uint8Attr(uint8(indexOf(LacpRates, w.LacpRate))), nil
	}},
	{"xmit_hash_policy", false, func(c, w Config) bool { return w.XmitHashPolicy != "" && c.XmitHashPolicy != w.XmitHashPolicy },
		func(_ *target.Target, w Config) (uint16, []byte, error) {
			return nl.IFLA_BOND_XMIT_HASH_POLICY, nl.Uint8Attr(uint8(indexOf(HashPolicies, w.XmitHashPolicy))), nil
		}},
}

// writeConfig is `ip link set BOND type bond mode M miimon N ...`: it
// changes, one attribute at a time, only what differs from want, so it is
// idempotent and serves both Set and its undo. Options that depend on the
// mode are retried once the mode is in place; a bond that is up is taken
// down around changes the kernel only accepts on a down bond.
func writeConfig(tg *target.Target, name string, want Config) error {
	b, err := getBond(tg, name)
	if err != nil {
		return err
	}
	cur := readConfig(tg, b)
	up := b.Attrs().Flags&net.FlagUp != 0
	needDown := false
	for _, a := range bondAttrs {
		if a.ifdown && a.differ(cur, want) {
			needDown = true
		}
	}
	h, err := tg.Handle()
	if err != nil {
		return err
	}
	if needDown && up {
		if err := h.LinkSetDown(b); err != nil {
			return fmt.Errorf("down %s: %w", name, err)
		}
		defer h.LinkSetUp(b)
	}
	var pending []bondAttr
	for pass := 0; pass < 2; pass++ {
		pending = pending[:0]
		var lastErr error
		for _, a := range bondAttrs {
			if b, err = getBond(tg, name); err != nil {
				return err
			}
			cur = readConfig(tg, b)
			if !a.differ(cur, want) || delayMoot(a.name, cur, want) {
				continue
			}
			typ, val, err := a.encode(tg, want)
			if err == nil {
				err = setAttr(tg, b.Attrs().Index, typ, val)
			}
			if err != nil {
				pending = append(pending, a)
				lastErr = fmt.Errorf("set %s %s: %w", a.name, valueOf(a.name, want), err)
			}
		}
		if len(pending) == 0 {
			return nil
		}
		if pass == 1 {
			return lastErr
		}
	}
	return nil
}

// delayMoot: with miimon off the kernel keeps no delays, so there is
// nothing to write (and it would refuse).
func delayMoot(attr string, cur, want Config) bool {
	return (attr == "updelay" || attr == "downdelay") && want.Miimon == 0 && cur.Miimon == 0
}

func valueOf(attr string, c Config) string {
	switch attr {
	case "mode":
		return c.Mode
	case "miimon":
		return fmt.Sprint(c.Miimon)
	case "updelay":
		return fmt.Sprint(c.UpDelay)
	case "downdelay":
		return fmt.Sprint(c.DownDelay)
	case "primary":
		return c.Primary
	case "lacp_rate":
		return c.LacpRate
	}
	return c.XmitHashPolicy
}

// setAttr sends one IFLA_BOND_* attribute for the bond at index.
func setAttr(tg *target.Target, index int, typ uint16, val []byte) error {
	return tg.Do(func() error {
		req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, unix.NLM_F_ACK)
		msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
		msg.Index = int32(index)
		req.AddData(msg)
		info := nl.NewRtAttr(unix.IFLA_LINKINFO, nil)
		info.AddRtAttr(nl.IFLA_INFO_KIND, nl.NonZeroTerminated("bond"))
		data := info.AddRtAttr(nl.IFLA_INFO_DATA, nil)
		data.AddRtAttr(int(typ), val)
		req.AddData(info)
		_, err := req.Execute(unix.NETLINK_ROUTE, 0)
		if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EBUSY) {
			return fmt.Errorf("%w (the kernel refuses it in this state)", err)
		}
		return err
	})
}
