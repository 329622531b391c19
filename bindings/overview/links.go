package overview

import (
	"sort"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"

	"rewire/bindings/target"
)

// linkRow is what the bridges part needs of one link.
type linkRow struct {
	index, master int
	name, kind    string
	up            bool
	oper          string
}

var native = nl.NativeEndian()

var operNames = map[uint8]string{0: "unknown", 1: "notpresent", 2: "down", 3: "lowerlayerdown", 4: "testing", 5: "dormant", 6: "up"}

// dumpLinks is `ip -o link show` reduced to name, kind, master and
// state: one RTM_GETLINK dump whose messages are read for those four
// attributes only (decoding every attribute of every link, as a full
// link list does, costs more than `bridge link` itself on 500 ports).
func dumpLinks(tg *target.Target) ([]linkRow, error) {
	var rows []linkRow
	err := tg.Do(func() error {
		req := nl.NewNetlinkRequest(unix.RTM_GETLINK, unix.NLM_F_DUMP)
		req.AddData(nl.NewIfInfomsg(unix.AF_UNSPEC))
		req.AddData(nl.NewRtAttr(unix.IFLA_EXT_MASK, nl.Uint32Attr(0)))
		msgs, err := req.Execute(unix.NETLINK_ROUTE, unix.RTM_NEWLINK)
		if err != nil {
			return err
		}
		rows = make([]linkRow, 0, len(msgs))
		for _, m := range msgs {
			if len(m) < unix.SizeofIfInfomsg {
				continue
			}
			ifi := nl.DeserializeIfInfomsg(m)
			r := linkRow{index: int(ifi.Index), up: ifi.Flags&unix.IFF_UP != 0, kind: "device"}
			attrs, err := nl.ParseRouteAttr(m[unix.SizeofIfInfomsg:])
			if err != nil {
				continue
			}
			for _, a := range attrs {
				switch a.Attr.Type {
				case unix.IFLA_IFNAME:
					r.name = nl.BytesToString(a.Value)
				case unix.IFLA_MASTER:
					r.master = int(native.Uint32(a.Value))
				case unix.IFLA_OPERSTATE:
					if len(a.Value) > 0 {
						r.oper = operNames[a.Value[0]]
					}
				case unix.IFLA_LINKINFO:
					if info, err := nl.ParseRouteAttr(a.Value); err == nil {
						for _, i := range info {
							if i.Attr.Type == nl.IFLA_INFO_KIND {
								r.kind = nl.BytesToString(i.Value)
								if r.kind == "tun" {
									r.kind = "tuntap" // as link.list names it
								}
							}
						}
					}
				}
			}
			rows = append(rows, r)
		}
		return nil
	})
	sort.Slice(rows, func(i, j int) bool { return rows[i].index < rows[j].index })
	return rows, err
}
