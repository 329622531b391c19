package domain

import (
	"fmt"
	"strconv"
	"strings"

	"libvirt.org/go/libvirtxml"

	"rewire/lua/engine"
)

// NICRef picks one NIC of a guest: by MAC, by device alias (net0, or a
// user alias ua-...) or by guest PCI address (0000:00:03.0). Every field
// set must match. libvirt allows two NICs with one MAC (virtio failover
// teaming needs it), so a MAC alone may not be enough.
type NICRef struct {
	MAC   string `json:"mac,omitempty"`
	Alias string `json:"alias,omitempty"`
	PCI   string `json:"pci,omitempty"`
}

func (r NICRef) String() string {
	var parts []string
	if r.MAC != "" {
		parts = append(parts, "MAC "+r.MAC)
	}
	if r.Alias != "" {
		parts = append(parts, "alias "+r.Alias)
	}
	if r.PCI != "" {
		parts = append(parts, "pci "+r.PCI)
	}
	return strings.Join(parts, " ")
}

// normalize checks a ref before anything is looked up: a MAC and a PCI
// address are put in libvirt's spelling.
func (r NICRef) normalize() (NICRef, error) {
	if r == (NICRef{}) {
		return r, engine.Invalid("no NIC named: give a MAC, {alias=} or {pci=}")
	}
	var err error
	if r.MAC != "" {
		if r.MAC, err = NormalizeMAC(r.MAC); err != nil {
			return r, err
		}
	}
	if r.PCI != "" {
		if r.PCI, err = normalizePCI(r.PCI); err != nil {
			return r, err
		}
	}
	return r, nil
}

// normalizePCI spells a PCI address DDDD:BB:SS.F, the domain optional on input.
func normalizePCI(s string) (string, error) {
	bad := engine.Invalid("bad PCI address %q (want 0000:00:03.0)", s)
	parts := strings.Split(s, ":")
	if len(parts) == 2 {
		parts = append([]string{"0"}, parts...)
	}
	if len(parts) != 3 {
		return "", bad
	}
	sf := strings.Split(parts[2], ".")
	if len(sf) != 2 {
		return "", bad
	}
	var n [4]uint64
	for i, p := range []string{parts[0], parts[1], sf[0], sf[1]} {
		v, err := strconv.ParseUint(strings.TrimPrefix(p, "0x"), 16, 32)
		if err != nil {
			return "", bad
		}
		n[i] = v
	}
	return fmt.Sprintf("%04x:%02x:%02x.%x", n[0], n[1], n[2], n[3]), nil
}

// pciOf is a NIC's guest PCI address as normalizePCI spells it ("" = none).
func pciOf(n *libvirtxml.DomainInterface) string {
	if a := n.Address; a != nil && a.PCI != nil && a.PCI.Slot != nil {
		return fmt.Sprintf("%04x:%02x:%02x.%x", val(a.PCI.Domain), val(a.PCI.Bus), *a.PCI.Slot, val(a.PCI.Function))
	}
	return ""
}

func aliasOf(n *libvirtxml.DomainInterface) string {
	if n.Alias != nil {
		return n.Alias.Name
	}
	return ""
}

func macOf(n *libvirtxml.DomainInterface) string {
	if n.MAC == nil {
		return ""
	}
	m, err := NormalizeMAC(n.MAC.Address)
	if err != nil {
		return strings.ToLower(n.MAC.Address)
	}
	return m
}

func (r NICRef) matches(n *libvirtxml.DomainInterface) bool {
	return (r.MAC == "" || macOf(n) == r.MAC) &&
		(r.Alias == "" || aliasOf(n) == r.Alias) &&
		(r.PCI == "" || pciOf(n) == r.PCI)
}

// pick is the index of the one NIC in nics that r names. None is
// not_found; more than one is invalid, naming each so the user can choose.
func pick(name string, nics []libvirtxml.DomainInterface, r NICRef, where string) (int, error) {
	var hits []int
	for i := range nics {
		if r.matches(&nics[i]) {
			hits = append(hits, i)
		}
	}
	switch len(hits) {
	case 0:
		return -1, engine.NotFound("domain %s has no NIC with %s (in its %s)", name, r, where)
	case 1:
		return hits[0], nil
	}
	return -1, ambiguous(name, nics, hits, r)
}

// identify finds a NIC known by its MAC, PCI address and alias (as a
// journal records them) in another view of the guest (live or persistent,
// where aliases may be missing): the NICs with that MAC, narrowed by PCI
// address and then by alias only while more than one is left, and only
// where some NIC has it.
func identify(name string, nics []libvirtxml.DomainInterface, mac, pci, alias, where string) (int, error) {
	var hits []int
	for i := range nics {
		if macOf(&nics[i]) == mac {
			hits = append(hits, i)
		}
	}
	narrow := func(keep func(*libvirtxml.DomainInterface) bool) {
		if len(hits) < 2 {
			return
		}
		var out []int
		for _, i := range hits {
			if keep(&nics[i]) {
				out = append(out, i)
			}
		}
		if len(out) > 0 { // (the other view may lack the address or alias)
			hits = out
		}
	}
	if pci != "" {
		narrow(func(n *libvirtxml.DomainInterface) bool { return pciOf(n) == pci })
	}
	if alias != "" {
		narrow(func(n *libvirtxml.DomainInterface) bool { return aliasOf(n) == alias })
	}
	switch len(hits) {
	case 0:
		return -1, noNIC(name, mac, where)
	case 1:
		return hits[0], nil
	}
	return -1, ambiguous(name, nics, hits, NICRef{MAC: mac})
}

func ambiguous(name string, nics []libvirtxml.DomainInterface, hits []int, r NICRef) error {
	what := make([]string, len(hits))
	for k, i := range hits {
		n := &nics[i]
		switch {
		case aliasOf(n) != "":
			what[k] = "alias " + aliasOf(n)
		case pciOf(n) != "":
			what[k] = "pci " + pciOf(n)
		default:
			what[k] = fmt.Sprintf("NIC #%d", i+1)
		}
		what[k] += " (" + strings.TrimSpace(NICType(n)+" "+NICSource(n)) + ")"
	}
	return engine.Invalid("%s has %d NICs with %s: %s; choose with {alias=} or {pci=}", name, len(hits), r, strings.Join(what, ", "))
}

func noNIC(name, mac, where string) error {
	return engine.NotFound("domain %s has no NIC with MAC %s (in its %s)", name, mac, where)
}
