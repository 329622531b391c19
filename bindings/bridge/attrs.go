package bridge

import (
	"encoding/binary"
	"fmt"
	"syscall"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"

	"rewire/bindings/target"
)

// Attrs are the bridge attributes rewire sets and restores. The netlink
// package's Bridge type does not carry STP or forward delay, so they are
// read and written as IFLA_BR_* attributes directly, as
// `ip link set BR type bridge stp_state 1 forward_delay 1500` does.
type Attrs struct {
	STP          bool   `json:"stp"`
	ForwardDelay int    `json:"forward_delay"` // seconds, as brctl setfd takes it
	Priority     int    `json:"priority"`
	ID           string `json:"id"` // 8000.525400b9b096, as brctl show prints it
	// The STP timers exactly, in the kernel's centiseconds, so a deleted
	// bridge comes back as it was (brctl setfd, sethello, setmaxage,
	// setageing). Journals from before they were kept have none.
	ForwardDelayCS *int `json:"forward_delay_cs,omitempty"`
	HelloTimeCS    *int `json:"hello_time_cs,omitempty"`
	MaxAgeCS       *int `json:"max_age_cs,omitempty"`
	AgeingTimeCS   *int `json:"ageing_time_cs,omitempty"`
}

// settings are what writeAttrs sets; nil leaves an attribute as it is.
type settings struct {
	STP                                                 *bool
	Priority                                            *int
	ForwardDelayCS, HelloTimeCS, MaxAgeCS, AgeingTimeCS *int
}

// restoring is every attribute of a, to put a deleted bridge back.
func (a Attrs) restoring() settings {
	fd := a.ForwardDelayCS
	if fd == nil {
		v := a.ForwardDelay * userHZ
		fd = &v
	}
	stp, prio := a.STP, a.Priority
	return settings{STP: &stp, Priority: &prio, ForwardDelayCS: fd, HelloTimeCS: a.HelloTimeCS, MaxAgeCS: a.MaxAgeCS, AgeingTimeCS: a.AgeingTimeCS}
}

// userHZ is the kernel's clock_t unit for bridge timers (centiseconds).
const userHZ = 100

// readAttrs is `ip -d link show BR` for the bridge attributes.
func readAttrs(tg *target.Target, index int) (Attrs, error) {
	var out Attrs
	err := tg.Do(func() error {
		req := nl.NewNetlinkRequest(unix.RTM_GETLINK, unix.NLM_F_ACK)
		msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
		msg.Index = int32(index)
		req.AddData(msg)
		req.AddData(nl.NewRtAttr(unix.IFLA_EXT_MASK, nl.Uint32Attr(1))) // RTEXT_FILTER_VF
		msgs, err := req.Execute(unix.NETLINK_ROUTE, unix.RTM_NEWLINK)
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			return fmt.Errorf("no link with index %d", index)
		}
		attrs, err := nl.ParseRouteAttr(msgs[0][unix.SizeofIfInfomsg:])
		if err != nil {
			return err
		}
		for _, a := range attrs {
			if a.Attr.Type != unix.IFLA_LINKINFO {
				continue
			}
			info, err := nl.ParseRouteAttr(a.Value)
			if err != nil {
				return err
			}
			for _, i := range info {
				if i.Attr.Type == nl.IFLA_INFO_DATA {
					return parseBrData(i.Value, &out)
				}
			}
		}
		return fmt.Errorf("index %d is not a bridge", index)
	})
	return out, err
}

func parseBrData(b []byte, out *Attrs) error {
	data, err := nl.ParseRouteAttr(b)
	if err != nil {
		return err
	}
	for _, d := range data {
		switch d.Attr.Type {
		case nl.IFLA_BR_STP_STATE:
			out.STP = native(d) != 0
		case nl.IFLA_BR_FORWARD_DELAY:
			out.ForwardDelay = int(native(d)) / userHZ
			out.ForwardDelayCS = centis(d)
		case nl.IFLA_BR_HELLO_TIME:
			out.HelloTimeCS = centis(d)
		case nl.IFLA_BR_MAX_AGE:
			out.MaxAgeCS = centis(d)
		case nl.IFLA_BR_AGEING_TIME:
			out.AgeingTimeCS = centis(d)
		case nl.IFLA_BR_PRIORITY:
			out.Priority = int(binary.NativeEndian.Uint16(d.Value))
		case nl.IFLA_BR_BRIDGE_ID:
			// struct ifla_bridge_id { __u8 prio[2]; __u8 addr[6]; }
			if len(d.Value) >= 8 {
				v := d.Value
				out.ID = fmt.Sprintf("%02x%02x.%02x%02x%02x%02x%02x%02x", v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
			}
		}
	}
	return nil
}

func centis(a syscall.NetlinkRouteAttr) *int {
	v := int(native(a))
	return &v
}

func native(a syscall.NetlinkRouteAttr) uint32 {
	if len(a.Value) < 4 {
		return 0
	}
	return binary.NativeEndian.Uint32(a.Value)
}

// writeAttrs is `ip link set BR type bridge stp_state S forward_delay D
// hello_time H max_age M ageing_time A priority P` for what s sets.
func writeAttrs(tg *target.Target, index int, s settings) error {
	u32 := map[int]*int{nl.IFLA_BR_FORWARD_DELAY: s.ForwardDelayCS, nl.IFLA_BR_HELLO_TIME: s.HelloTimeCS,
		nl.IFLA_BR_MAX_AGE: s.MaxAgeCS, nl.IFLA_BR_AGEING_TIME: s.AgeingTimeCS}
	if s.STP != nil {
		v := 0
		if *s.STP {
			v = 1
		}
		u32[nl.IFLA_BR_STP_STATE] = &v
	}
	info := nl.NewRtAttr(unix.IFLA_LINKINFO, nil)
	info.AddRtAttr(nl.IFLA_INFO_KIND, nl.NonZeroTerminated("bridge"))
	data := info.AddRtAttr(nl.IFLA_INFO_DATA, nil)
	n := 0
	// In attribute order, so that requests read the same every time.
	for _, typ := range []int{nl.IFLA_BR_FORWARD_DELAY, nl.IFLA_BR_HELLO_TIME, nl.IFLA_BR_MAX_AGE, nl.IFLA_BR_AGEING_TIME, nl.IFLA_BR_STP_STATE} {
		if v := u32[typ]; v != nil {
			data.AddRtAttr(typ, nl.Uint32Attr(uint32(*v)))
			n++
		}
	}
	if s.Priority != nil {
		data.AddRtAttr(nl.IFLA_BR_PRIORITY, nl.Uint16Attr(uint16(*s.Priority)))
		n++
	}
	if n == 0 {
		return nil
	}
	return tg.Do(func() error {
		req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, unix.NLM_F_ACK)
		msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
		msg.Index = int32(index)
		req.AddData(msg)
		req.AddData(info)
		_, err := req.Execute(unix.NETLINK_ROUTE, 0)
		return err
	})
}
