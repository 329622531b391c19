package firewalld

import (
	"fmt"

	"rewire/bindings/host"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

// Zoned is the journal's record of a bridge moved into a zone: the zone
// it was bound to before ("" for none) and the bus firewalld was asked on.
type Zoned struct {
	Bridge string `json:"bridge"`
	Zone   string `json:"zone"`
	Prior  string `json:"prior"`
	Bus    string `json:"bus"`
}

// Serviced is the journal's record of a service added to a zone at runtime.
type Serviced struct {
	Zone    string `json:"zone"`
	Service string `json:"service"`
	Bridge  string `json:"bridge"`
	Bus     string `json:"bus"`
}

var (
	zoneKind = tx.NewKind("firewalld.zone", undoZone, tx.KindOptions[Zoned]{Drift: func(tg *target.Target, z Zoned) error {
		return ifRunning(tg, z.Bus, z.Bridge, func(c *conn) error {
			now, err := c.zoneOf(z.Bridge)
			if err != nil {
				return err
			}
			if now != z.Zone {
				return fmt.Errorf("now in zone %q, not %s", now, z.Zone)
			}
			return nil
		})
	}})
	serviceKind = tx.NewKind("firewalld.service", undoService, tx.KindOptions[Serviced]{Drift: func(tg *target.Target, v Serviced) error {
		return ifRunning(tg, v.Bus, v.Bridge, func(c *conn) error {
			ok, err := c.hasService(v.Zone, v.Service)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("zone %s no longer has service %s", v.Zone, v.Service)
			}
			return nil
		})
	}})
)

// undoZone puts the bridge back in the zone it was in, or in none
// (`firewall-cmd --zone=Z --remove-interface=BR`); a bridge already there
// is left alone.
func undoZone(tg *target.Target, z Zoned) error {
	return ifRunning(tg, z.Bus, z.Bridge, func(c *conn) error {
		now, err := c.zoneOf(z.Bridge)
		if err != nil {
			return err
		}
		switch {
		case now == z.Prior:
			return nil
		case z.Prior == "":
			return c.removeInterface(now, z.Bridge)
		default:
			return c.changeZone(z.Prior, z.Bridge)
		}
	})
}

// undoService removes the service the change added, if it is still there.
func undoService(tg *target.Target, v Serviced) error {
	return ifRunning(tg, v.Bus, v.Bridge, func(c *conn) error {
		ok, err := c.hasService(v.Zone, v.Service)
		if err != nil || !ok {
			return err
		}
		return c.removeService(v.Zone, v.Service)
	})
}

// ifRunning runs fn against firewalld when it runs in tg's namespace; a
// firewalld that stopped took its runtime configuration (and so the
// change) with it, which leaves nothing to undo.
func ifRunning(tg *target.Target, bus, bridge string, fn func(*conn) error) error {
	if !host.FirewalldRuns(tg) {
		return nil
	}
	return withConn(bus, bridge, fn)
}
