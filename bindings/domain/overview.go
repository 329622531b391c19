package domain

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/target"
	"rewire/bindings/virtconn"
	"rewire/bindings/virtnet"
)

// Guest is one guest with its NICs: a `virsh list --all` row with its
// `virsh domiflist` and the IPs `virsh domifaddr --source lease` gives.
type Guest struct {
	Summary
	NICs []NIC `json:"nics"`
}

// Guests reads every guest and its NICs for an overview (`rewire show`):
// one ListAllDomains, the XML of several guests at a time (the RPCs of
// one connection overlap, and parsing runs on every core), and the
// leases of each active network once, matched to the NICs by MAC.
func Guests(tg *target.Target) ([]Guest, error) {
	c, err := virtconn.Connect(tg)
	if err != nil {
		return nil, err
	}
	doms, err := c.ListAllDomains(0)
	if err != nil {
		return nil, virtconn.Err(err)
	}
	out := make([]Guest, len(doms))
	errs := make([]error, len(doms))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(parallelGuests, len(doms)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = guestOf(&doms[i])
				doms[i].Free()
			}
		}()
	}
	for i := range doms {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	ips := networkLeases(tg)
	for g := range out {
		for n := range out[g].NICs {
			out[g].NICs[n].IP = strings.Join(ips[out[g].NICs[n].MAC], ",")
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// guestOf is one guest's row and NICs, from its current XML.
func guestOf(d *libvirt.Domain) (Guest, error) {
	var g Guest
	var err error
	if g.Name, err = d.GetName(); err != nil {
		return g, virtconn.Err(err)
	}
	st, _, err := d.GetState()
	if err != nil {
		return g, virtconn.Err(err)
	}
	g.State = stateNames[st]
	g.Autostart, _ = d.GetAutostart()
	x, err := d.GetXMLDesc(0) // no secrets: an overview shows none
	if err != nil {
		return g, virtconn.Err(err)
	}
	var def libvirtxml.Domain
	if err := def.Unmarshal(x); err != nil {
		return g, fmt.Errorf("domain %s XML: %w", g.Name, err)
	}
	if def.Devices == nil {
		def.Devices = &libvirtxml.DomainDeviceList{}
	}
	g.NICs = nicsOf(&def)
	return g, nil
}

// networkLeases maps MACs to the IPv4 addresses the active networks'
// DHCP leases give them; networks that cannot be read give none.
func networkLeases(tg *target.Target) map[string][]string {
	out := map[string][]string{}
	nets, err := virtnet.List(tg)
	if err != nil {
		return out
	}
	for _, n := range nets {
		if !n.Active {
			continue
		}
		ls, _ := virtnet.Leases(tg, n.Name)
		for _, l := range ls {
			if !strings.Contains(l.IP, ":") {
				out[l.MAC] = append(out[l.MAC], l.IP)
			}
		}
	}
	return out
}
