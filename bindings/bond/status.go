package bond

import (
	"fmt"
	"sort"
	"strings"
	"unsafe"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"rewire/bindings/target"
)

// Status is what /proc/net/bonding/BOND tells an admin.
type Status struct {
	Bond         string                 `json:"bond"`
	Mode         string                 `json:"mode"`       // active-backup
	ModeTitle    string                 `json:"mode_title"` // fault-tolerance (active-backup)
	ActiveSlave  string                 `json:"active_slave,omitempty"`
	Primary      string                 `json:"primary,omitempty"`
	MIIStatus    string                 `json:"mii_status"` // up, down
	Miimon       int                    `json:"miimon"`     // MII polling interval, ms
	UpDelay      int                    `json:"updelay"`
	DownDelay    int                    `json:"downdelay"`
	LacpRate     string                 `json:"lacp_rate,omitempty"`
	HashPolicy   string                 `json:"xmit_hash_policy"`
	Slaves       []SlaveStatus          `json:"slaves"`
	Config       Config                 `json:"-"`
	UsesPrimary  bool                   `json:"-"`
	SlavesByName map[string]SlaveStatus `json:"-"`
}

// SlaveStatus is one slave's paragraph of /proc/net/bonding/BOND.
type SlaveStatus struct {
	Name             string `json:"name"`
	State            string `json:"state"`      // active, backup
	MIIStatus        string `json:"mii_status"` // up, going down, down, going back
	Speed            string `json:"speed"`      // "10000 Mbps" or "Unknown"
	Duplex           string `json:"duplex"`     // full, half, Unknown
	LinkFailureCount int    `json:"link_failure_count"`
	PermanentMAC     string `json:"permanent_mac"`
}

// SlaveColumns is how print(bond.status(b).slaves) lays slaves out.
var SlaveColumns = []string{"name", "state", "mii_status", "speed", "duplex", "link_failure_count", "permanent_mac"}

var miiNames = map[netlink.BondSlaveMiiStatus]string{
	netlink.BondLinkUp: "up", netlink.BondLinkFail: "going down", netlink.BondLinkDown: "down", netlink.BondLinkBack: "going back",
}

// Get is `cat /proc/net/bonding/BOND`, read from netlink (IFLA_BOND_*,
// IFLA_BOND_SLAVE_*) and ethtool, so it works inside any namespace.
func Get(tg *target.Target, name string) (Status, error) {
	b, err := getBond(tg, name)
	if err != nil {
		return Status{}, err
	}
	c := readConfig(tg, b)
	st := Status{Bond: name, Mode: c.Mode, ModeTitle: modeTitles[indexOf(Modes, c.Mode)], Primary: c.Primary,
		Miimon: c.Miimon, UpDelay: c.UpDelay, DownDelay: c.DownDelay, LacpRate: c.LacpRate, HashPolicy: c.XmitHashPolicy,
		Config: c, UsesPrimary: usesPrimary(c.Mode), Slaves: []SlaveStatus{}, SlavesByName: map[string]SlaveStatus{}}
	st.MIIStatus = "down"
	if b.Attrs().RawFlags&unix.IFF_LOWER_UP != 0 {
		st.MIIStatus = "up"
	}
	if st.UsesPrimary {
		st.ActiveSlave = nameOfIndex(tg, b.ActiveSlave)
	}
	links, err := tg.LinkList()
	if err != nil {
		return Status{}, err
	}
	for _, l := range links {
		a := l.Attrs()
		bs, ok := a.Slave.(*netlink.BondSlave)
		if a.MasterIndex != b.Attrs().Index || !ok {
			continue
		}
		ss := SlaveStatus{Name: a.Name, MIIStatus: miiNames[bs.MiiStatus], LinkFailureCount: int(bs.LinkFailureCount),
			PermanentMAC: bs.PermHardwareAddr.String(), State: "backup"}
		if bs.State == netlink.BondStateActive {
			ss.State = "active"
		}
		ss.Speed, ss.Duplex = linkSpeed(tg, a.Name)
		st.Slaves = append(st.Slaves, ss)
		st.SlavesByName[a.Name] = ss
	}
	sort.Slice(st.Slaves, func(i, j int) bool { return st.Slaves[i].Name < st.Slaves[j].Name })
	return st, nil
}

// Healthy says what, if anything, keeps the bond from carrying traffic
// with every slave ready: no carrier, no active slave, a slave down.
func (st Status) Healthy() error {
	var bad []string
	if st.MIIStatus != "up" {
		bad = append(bad, "MII status "+st.MIIStatus)
	}
	if st.UsesPrimary && st.ActiveSlave == "" {
		bad = append(bad, "no active slave")
	}
	if len(st.Slaves) == 0 {
		bad = append(bad, "no slaves")
	}
	for _, s := range st.Slaves {
		if s.MIIStatus != "up" {
			bad = append(bad, fmt.Sprintf("slave %s is %s", s.Name, s.MIIStatus))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("bond %s: %s", st.Bond, strings.Join(bad, ", "))
	}
	return nil
}

// ethtoolCmd is the kernel's struct ethtool_cmd (ETHTOOL_GSET), which is
// what `ethtool DEV` and the bonding driver read speed and duplex from.
type ethtoolCmd struct {
	Cmd           uint32
	Supported     uint32
	Advertising   uint32
	Speed         uint16
	Duplex        uint8
	Port          uint8
	PhyAddress    uint8
	Transceiver   uint8
	Autoneg       uint8
	MdioSupport   uint8
	Maxtxpkt      uint32
	Maxrxpkt      uint32
	SpeedHi       uint16
	EthTpMdix     uint8
	EthTpMdixCtrl uint8
	LpAdvertising uint32
	Reserved      [2]uint32
}

type ifreqData struct {
	Name [unix.IFNAMSIZ]byte
	Data uintptr
	_    [16]byte
}

const ethtoolGSet = 0x1

// linkSpeed is `ethtool DEV` for speed and duplex, as /proc/net/bonding
// prints them ("Unknown" when the driver does not say).
func linkSpeed(tg *target.Target, dev string) (speed, duplex string) {
	speed, duplex = "Unknown", "Unknown"
	var cmd ethtoolCmd
	err := tg.Do(func() error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		cmd.Cmd = ethtoolGSet
		var req ifreqData
		copy(req.Name[:], dev)
		req.Data = uintptr(unsafe.Pointer(&cmd))
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&req)))
		if errno != 0 {
			return errno
		}
		return nil
	})
	if err != nil {
		return
	}
	v := uint32(cmd.SpeedHi)<<16 | uint32(cmd.Speed)
	if v != 0 && v != 0xffffffff && v != 0xffff {
		speed = fmt.Sprintf("%d Mbps", v)
	}
	switch cmd.Duplex {
	case 0:
		duplex = "half"
	case 1:
		duplex = "full"
	}
	return
}

// Row is one bond in List.
type Row struct {
	Bond        string   `json:"bond"`
	Mode        string   `json:"mode"`
	ActiveSlave string   `json:"active_slave"`
	MIIStatus   string   `json:"mii_status"`
	Miimon      int      `json:"miimon"`
	Slaves      []string `json:"slaves"`
}

// List is `ls /proc/net/bonding`: every bond with its mode and slaves.
func List(tg *target.Target) ([]Row, error) {
	links, err := tg.LinkList()
	if err != nil {
		return nil, err
	}
	var out []Row
	for _, l := range links {
		if _, ok := l.(*netlink.Bond); !ok {
			continue
		}
		st, err := Get(tg, l.Attrs().Name)
		if err != nil {
			return nil, err
		}
		r := Row{Bond: st.Bond, Mode: st.Mode, ActiveSlave: st.ActiveSlave, MIIStatus: st.MIIStatus, Miimon: st.Miimon, Slaves: []string{}}
		for _, s := range st.Slaves {
			r.Slaves = append(r.Slaves, s.Name)
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Bond < out[j].Bond })
	return out, nil
}
