package link

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/vishvananda/netlink"

	"rewire/bindings/errkind"
	"rewire/bindings/handover"
	"rewire/bindings/route"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

var setKind = tx.NewKind("link.set", func(tg *target.Target, u setUndo) error {
	if err := Restore(tg, u.current(tg), u.Before); err != nil {
		return err
	}
	for _, r := range u.Routes {
		if err := route.Swap(tg, nil, &r); err != nil {
			return err
		}
	}
	return nil
}, tx.KindOptions[setUndo]{Drift: func(tg *target.Target, u setUndo) error {
	return Drift(tg, u.After)
}})

// Settings are the attributes Set changes; nil fields stay as they are.
type Settings struct {
	Up     *bool   `json:"up,omitempty"`
	MTU    *int    `json:"mtu,omitempty"`
	MAC    *string `json:"mac,omitempty"`
	Name   *string `json:"name,omitempty"`
	Master *string `json:"master,omitempty"` // "" = nomaster
}

func (s Settings) String() string {
	var parts []string
	if s.Name != nil {
		parts = append(parts, "name "+*s.Name)
	}
	if s.MTU != nil {
		parts = append(parts, fmt.Sprintf("mtu %d", *s.MTU))
	}
	if s.MAC != nil {
		parts = append(parts, "address "+*s.MAC)
	}
	if s.Master != nil {
		if *s.Master == "" {
			parts = append(parts, "nomaster")
		} else {
			parts = append(parts, "master "+*s.Master)
		}
	}
	if s.Up != nil {
		if *s.Up {
			parts = append(parts, "up")
		} else {
			parts = append(parts, "down")
		}
	}
	return strings.Join(parts, " ")
}

// State is what Set may change on a link; the journal keeps it before and
// after each change.
type State struct {
	Name   string `json:"name"`
	Up     bool   `json:"up"`
	MTU    int    `json:"mtu"`
	MAC    string `json:"mac"`
	Master string `json:"master"`
}

// Capture reads a link's settable state.
func Capture(tg *target.Target, name string) (State, error) {
	in, err := Get(tg, name)
	if err != nil {
		return State{}, err
	}
	return State{Name: in.Name, Up: in.Up, MTU: in.MTU, MAC: in.MAC, Master: in.Master}, nil
}

type setUndo struct {
	Before State `json:"before"`
	After  State `json:"after"`
	// Routes through the link: taking a link down (or enslaving it) makes
	// the kernel drop them, and bringing it back up does not restore them.
	Routes []route.Spec `json:"routes,omitempty"`
	// Index is the link's ifindex when the change was made: a rename
	// that failed (or never ran) leaves After.Name naming another link,
	// which the undo must not touch.
	Index int `json:"index,omitempty"`
}

// current is the name the changed link has now: After.Name once the
// change ran, Before.Name if its rename did not happen. The link is found
// by its ifindex, so a link that merely has After.Name is left alone; a
// link recreated since (another undo) is found by name.
func (u setUndo) current(tg *target.Target) string {
	if u.Index != 0 {
		if l, err := tg.LinkByIndex(u.Index); err == nil {
			if n := l.Attrs().Name; n == u.Before.Name || n == u.After.Name {
				return n
			}
		}
	}
	return u.After.Name
}

// Validate checks settings before anything is touched.
func (s Settings) Validate() error {
	if s.MTU != nil && (*s.MTU < 68 || *s.MTU > 65535) {
		return errkind.Invalid("bad MTU %d (68..65535)", *s.MTU)
	}
	if s.MAC != nil {
		if _, err := net.ParseMAC(*s.MAC); err != nil || len(*s.MAC) != 17 {
			return errkind.Invalid("bad MAC address %q", *s.MAC)
		}
	}
	if s.Name != nil && (len(*s.Name) == 0 || len(*s.Name) > 15 || strings.ContainsAny(*s.Name, "/ :")) {
		return errkind.Invalid("bad interface name %q (1-15 characters, no '/', ':' or space)", *s.Name)
	}
	return nil
}

// Set is `ip link set NAME [name N] [mtu M] [address MAC] [master B|nomaster] [up|down]`.
func Set(s *tx.Session, name string, set Settings) error {
	if err := set.Validate(); err != nil {
		return err
	}
	before, err := Capture(s.Target, name)
	if err != nil {
		return err
	}
	if set.Name != nil && *set.Name != before.Name && Exists(s.Target, *set.Name) {
		return errkind.Exists("an interface named %s already exists", *set.Name)
	}
	if set.Master != nil && *set.Master != "" {
		if _, err := s.Target.LinkByName(*set.Master); err != nil {
			return fmt.Errorf("master %s: %w", *set.Master, err)
		}
	}
	if set.Master != nil && *set.Master != before.Master {
		// A port changes hands: its manager lets go first, or it fights.
		if err := handover.Claim(s, name); err != nil {
			return err
		}
		if before, err = Capture(s.Target, name); err != nil {
			return err
		}
	}
	after := before
	apply(&after, set)
	u := setUndo{Before: before, After: after}
	if l, err := s.Target.LinkByName(name); err == nil {
		u.Index = l.Attrs().Index
	}
	if u.Routes, err = route.Movables(s.Target, name); err != nil {
		return err
	}
	return setKind.Apply(s, "link:"+after.Name, fmt.Sprintf("set link %s %s", name, set), u, func() error { return Restore(s.Target, name, after) })
}

func apply(st *State, set Settings) {
	if set.Name != nil {
		st.Name = *set.Name
	}
	if set.MTU != nil {
		st.MTU = *set.MTU
	}
	if set.MAC != nil {
		st.MAC = strings.ToLower(*set.MAC)
	}
	if set.Master != nil {
		st.Master = *set.Master
	}
	if set.Up != nil {
		st.Up = *set.Up
	}
}

// Restore brings the link now called current (or want.Name, if a rename
// was already undone) to exactly want. It only changes what differs, so it
// is idempotent; a link that no longer exists is "already gone": nothing to do.
func Restore(tg *target.Target, current string, want State) error {
	h, err := tg.Handle()
	if err != nil {
		return err
	}
	l, err := tg.LinkByName(current)
	if err != nil {
		if l, err = tg.LinkByName(want.Name); err != nil {
			var nl target.ErrNoLink
			if errors.As(err, &nl) {
				return nil
			}
			return err
		}
	}
	a := l.Attrs()
	if a.Name != want.Name {
		// Renaming needs the link down.
		if err := h.LinkSetDown(l); err != nil {
			return fmt.Errorf("down %s: %w", a.Name, err)
		}
		if err := h.LinkSetName(l, want.Name); err != nil {
			return fmt.Errorf("rename %s to %s: %w", a.Name, want.Name, err)
		}
		if l, err = tg.LinkByName(want.Name); err != nil {
			return err
		}
		a = l.Attrs()
	}
	if err := restoreMaster(tg, h, l, want.Master); err != nil {
		return err
	}
	if a.MTU != want.MTU && want.MTU != 0 {
		if err := h.LinkSetMTU(l, want.MTU); err != nil {
			return fmt.Errorf("mtu %d on %s: %w", want.MTU, want.Name, err)
		}
	}
	if want.MAC != "" {
		// Re-read: enslaving or releasing may have changed the address.
		if l, err = tg.LinkByName(want.Name); err != nil {
			return err
		}
		if l.Attrs().HardwareAddr.String() != want.MAC {
			mac, _ := net.ParseMAC(want.MAC)
			if err := h.LinkSetHardwareAddr(l, mac); err != nil {
				return fmt.Errorf("address %s on %s: %w", want.MAC, want.Name, err)
			}
		}
	}
	if up := l.Attrs().Flags&net.FlagUp != 0; up != want.Up {
		if want.Up {
			err = h.LinkSetUp(l)
		} else {
			err = h.LinkSetDown(l)
		}
		if err != nil {
			return fmt.Errorf("set %s up=%v: %w", want.Name, want.Up, err)
		}
	}
	return nil
}

func restoreMaster(tg *target.Target, h *netlink.Handle, l netlink.Link, master string) error {
	cur := ""
	if mi := l.Attrs().MasterIndex; mi != 0 {
		if m, err := tg.LinkByIndex(mi); err == nil {
			cur = m.Attrs().Name
		}
	}
	if cur == master {
		return nil
	}
	if master == "" {
		if err := h.LinkSetNoMaster(l); err != nil {
			return fmt.Errorf("nomaster %s: %w", l.Attrs().Name, err)
		}
		flushNeighbours(h, l)
		return nil
	}
	m, err := tg.LinkByName(master)
	if err != nil {
		return fmt.Errorf("master %s: %w", master, err)
	}
	if err := h.LinkSetMaster(l, m); err != nil {
		return fmt.Errorf("enslave %s to %s: %w", l.Attrs().Name, master, err)
	}
	return nil
}

// Drift reports how a link differs from the state a change left it in.
func Drift(tg *target.Target, want State) error {
	now, err := Capture(tg, want.Name)
	if err != nil {
		return fmt.Errorf("link %s: %w", want.Name, err)
	}
	if now != want {
		return fmt.Errorf("link %s is %+v, the transaction left %+v", want.Name, now, want)
	}
	return nil
}

// flushNeighbours is `ip neigh flush dev DEV`. A link released from a
// bridge may hold entries the kernel tried to resolve while it was a port
// (a rollback puts its address and routes back first): the bridge took the
// replies, so they sit INCOMPLETE until the kernel's next retry, a second
// of lost traffic. Dropping them makes the next packet resolve at once.
func flushNeighbours(h *netlink.Handle, l netlink.Link) {
	ns, err := h.NeighList(l.Attrs().Index, netlink.FAMILY_ALL)
	if err != nil {
		return
	}
	for i := range ns {
		if ns[i].State&netlink.NUD_PERMANENT == 0 {
			h.NeighDel(&ns[i])
		}
	}
}
