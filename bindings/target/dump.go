package target

import (
	"errors"

	"github.com/vishvananda/netlink"
)

// dumpRetries bounds how often an interrupted netlink dump is retried; the
// kernel interrupts a dump when the table changes under it, as
// containernetworking's netlinksafe package handles.
const dumpRetries = 10

func retry[T any](f func() ([]T, error)) ([]T, error) {
	var out []T
	var err error
	for i := 0; i < dumpRetries; i++ {
		out, err = f()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			return out, err
		}
	}
	return out, err
}

// LinkList is `ip link show`, retried while the dump is interrupted.
func (t *Target) LinkList() ([]netlink.Link, error) {
	h, err := t.Handle()
	if err != nil {
		return nil, err
	}
	return retry(h.LinkList)
}

// AddrList is `ip addr show [dev]` for one family, retried while interrupted.
func (t *Target) AddrList(link netlink.Link, family int) ([]netlink.Addr, error) {
	h, err := t.Handle()
	if err != nil {
		return nil, err
	}
	return retry(func() ([]netlink.Addr, error) { return h.AddrList(link, family) })
}

// RouteList is `ip route show table all`, filtered, retried while interrupted.
func (t *Target) RouteList(family int, filter *netlink.Route, mask uint64) ([]netlink.Route, error) {
	h, err := t.Handle()
	if err != nil {
		return nil, err
	}
	return retry(func() ([]netlink.Route, error) { return h.RouteListFiltered(family, filter, mask) })
}

// LinkByName is `ip link show NAME`.
func (t *Target) LinkByName(name string) (netlink.Link, error) {
	h, err := t.Handle()
	if err != nil {
		return nil, err
	}
	l, err := h.LinkByName(name)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil, ErrNoLink{Name: name}
		}
		return nil, err
	}
	return l, nil
}

// ErrNoLink is returned for an interface that does not exist in the target.
type ErrNoLink struct{ Name string }

func (e ErrNoLink) Error() string { return "no such interface" }

// LinkByIndex is `ip link show` of one index.
func (t *Target) LinkByIndex(idx int) (netlink.Link, error) {
	h, err := t.Handle()
	if err != nil {
		return nil, err
	}
	return h.LinkByIndex(idx)
}
