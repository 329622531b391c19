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

func native(a syscall.NetlinkRouteAttr) uint32 {
	if len(a.Value) < 4 {
		return 0
	}
	return binary.NativeEndian.Uint32(a.Value)
}

// writeAttrs is `ip link set BR type bridge stp_state S forward_delay D`.
func writeAttrs(tg *target.Target, index int, stp *bool, fwdDelay *int) error {
	if stp == nil && fwdDelay == nil {
		return nil
	}
	return tg.Do(func() error {
		req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, unix.NLM_F_ACK)
		msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
		msg.Index = int32(index)
		req.AddData(msg)
		info := nl.NewRtAttr(unix.IFLA_LINKINFO, nil)
		info.AddRtAttr(nl.IFLA_INFO_KIND, nl.NonZeroTerminated("bridge"))
		data := info.AddRtAttr(nl.IFLA_INFO_DATA, nil)
		if fwdDelay != nil {
			data.AddRtAttr(nl.IFLA_BR_FORWARD_DELAY, nl.Uint32Attr(uint32(*fwdDelay*userHZ)))
		}
		if stp != nil {
			v := uint32(0)
			if *stp {
				v = 1
			}
			data.AddRtAttr(nl.IFLA_BR_STP_STATE, nl.Uint32Attr(v))
		}
		req.AddData(info)
		_, err := req.Execute(unix.NETLINK_ROUTE, 0)
		return err
	})
}
