package bench

import (
	"sort"
	"time"

	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/domain"
)

// virtCallCost is the median latency of the libvirt calls a re-point is made of.
type virtCallCost struct {
	n                  int
	live, define, both time.Duration
}

// virtCallCosts times, on one bench guest's NIC, `update-device --live` to the
// bench bridge and back, `define` of the guest's own persistent XML, and
// `update-device --live --config` to the bridge and back: the daemon's side
// of a re-point, which no client can make faster. The NIC ends as it was.
func virtCallCosts(conn *libvirt.Connect, n nicRef) (virtCallCost, error) {
	c := virtCallCost{n: 10}
	d, err := conn.LookupDomainByName(n.dom)
	if err != nil {
		return c, err
	}
	defer d.Free()
	cfg, err := d.GetXMLDesc(libvirt.DOMAIN_XML_INACTIVE | libvirt.DOMAIN_XML_SECURE)
	if err != nil {
		return c, err
	}
	var def libvirtxml.Domain
	if err := def.Unmarshal(cfg); err != nil {
		return c, err
	}
	nic := domain.FindNIC(&def, n.mac)
	back, err := nic.Marshal()
	if err != nil {
		return c, err
	}
	domain.Repoint(nic, domain.Source{Type: "bridge", Source: benchBridge})
	to, err := nic.Marshal()
	if err != nil {
		return c, err
	}
	median := func(flags libvirt.DomainDeviceModifyFlags) (time.Duration, error) {
		var ds []time.Duration
		for i := 0; i < c.n; i++ {
			start := time.Now()
			if err := d.UpdateDeviceFlags(to, flags); err != nil {
				return 0, err
			}
			ds = append(ds, time.Since(start))
			if err := d.UpdateDeviceFlags(back, flags); err != nil {
				return 0, err
			}
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)/2], nil
	}
	if c.live, err = median(libvirt.DOMAIN_DEVICE_MODIFY_LIVE); err != nil {
		return c, err
	}
	if c.both, err = median(libvirt.DOMAIN_DEVICE_MODIFY_LIVE | libvirt.DOMAIN_DEVICE_MODIFY_CONFIG); err != nil {
		return c, err
	}
	var ds []time.Duration
	for i := 0; i < c.n; i++ {
		start := time.Now()
		nd, err := conn.DomainDefineXML(cfg)
		if err != nil {
			return c, err
		}
		ds = append(ds, time.Since(start))
		nd.Free()
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	c.define = ds[len(ds)/2]
	return c, nil
}
