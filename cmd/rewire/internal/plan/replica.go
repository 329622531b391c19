package plan

import (
	"fmt"
	"os"
	"path/filepath"

	"rewire/bindings/target"
)

// Replica is a throw-away copy of a target's network namespace, so a
// recipe can run for real without touching the host: its links (same
// names, MACs, MTUs, up state and masters), addresses in order, routes of
// every table, the forwarding sysctls and the iptables rules. Links that
// lead off the host (NICs, veths, taps) become veths whose peers wait in
// a second scratch namespace, so they have carrier as the originals do.
// Later steps of a recipe then see what earlier steps created, which a
// dry run (tx.Session.DryRun) cannot give them.
type Replica struct {
	*target.Target // the copy; same name and libvirt URI as the original
	Peers          *target.Target

	dir string
}

// NewReplica copies tg into two new namespaces bound under dir (a fresh
// temporary directory the caller owns). Close removes them.
func NewReplica(tg *target.Target, dir string) (*Replica, error) {
	host, err := target.CreateNS(tg.Name, filepath.Join(dir, "netns-host"))
	if err != nil {
		return nil, err
	}
	r := &Replica{Target: host, dir: dir}
	host.LibvirtURI = tg.LibvirtURI
	host.StateDir = filepath.Join(dir, "state") // dnsmasq files of the replica stay here
	if err := os.MkdirAll(host.StateDir, 0o700); err != nil {
		r.Close()
		return nil, err
	}
	if r.Peers, err = target.CreateNS("peers", filepath.Join(dir, "netns-peers")); err != nil {
		r.Close()
		return nil, err
	}
	if err := r.copyFrom(tg); err != nil {
		r.Close()
		return nil, fmt.Errorf("plan: copy %s into a replica: %w", tg.Name, err)
	}
	return r, nil
}

func (r *Replica) copyFrom(tg *target.Target) error {
	// No IPv6 duplicate address detection: addresses copied are final.
	if err := writeSysctl(r.Target, "net/ipv6/conf/default/accept_dad", "0"); err != nil {
		return err
	}
	m, err := r.copyLinks(tg)
	if err != nil {
		return err
	}
	if err := r.copySysctls(tg); err != nil {
		return err
	}
	if err := r.copyAddrs(tg, m); err != nil {
		return err
	}
	if err := r.copyRoutes(tg, m); err != nil {
		return err
	}
	return r.copyFirewall(tg)
}

// Close removes both namespaces, and with them every link of the copy.
func (r *Replica) Close() {
	for _, t := range []*target.Target{r.Target, r.Peers} {
		if t != nil {
			t.Close()
			target.RemoveNS(t.NetnsPath)
		}
	}
}
