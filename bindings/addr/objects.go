package addr

import "rewire/bindings/route"

// Objects names, as the transaction's drift check knows them, the
// addresses and routes a snapshot of dev holds: what a change that
// deletes dev ends (tx.Change.Ends).
func Objects(addrs []Spec, routes []route.Spec) []string {
	var out []string
	for _, a := range addrs {
		out = append(out, "addr:"+a.Dev+":"+a.CIDR)
	}
	for _, r := range routes {
		out = append(out, "route:"+r.Key())
	}
	return out
}
