package modules

import (
	"testing"

	"rewire/lua/engine"
)

// aliases are the only names allowed to break the verb rule: older names
// kept as aliases of their rule-conforming replacements.
var aliases = map[string]string{
	"tx.changes":               "tx.list_changes",
	"bridge.ports":             "bridge.list_ports",
	"addr.del":                 "addr.remove",
	"route.default":            "route.get_default",
	"route.del":                "route.remove",
	"bond.healthy":             "bond.check_health",
	"nat.port_forward":         "nat.forward_port",
	"dnsmasq.leases":           "dnsmasq.list_leases",
	"network.dhcp_host_add":    "network.add_dhcp_host",
	"network.dhcp_host_remove": "network.remove_dhcp_host",
	"network.leases":           "network.list_leases",
	"host.managers":            "host.list_managers",
	"host.device":              "host.get_device",
	"host.devices":             "host.list_devices",
}

// Every function of every module is named by the verb rule
// (engine.Verbs); methods may also be accessors; the names breaking it
// are exactly the declared aliases.
func TestOneVerbList(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Documented() {
		names := map[string]bool{}
		check := func(what string, f engine.Func, err error) {
			if err != nil {
				t.Errorf("%s: %v", what, err)
			}
			for _, n := range append([]string{f.Name}, f.Aliases...) {
				if names[n] {
					t.Errorf("%s: %s declared twice", m.Name, n)
				}
				names[n] = true
			}
			for _, a := range f.Aliases {
				key := m.Name + "." + a
				seen[key] = true
				if aliases[key] != m.Name+"."+f.Name {
					t.Errorf("%s is an alias of %s.%s, not a declared one", key, m.Name, f.Name)
				}
			}
		}
		for _, f := range append(append([]engine.Func{}, m.Funcs...), m.Globals...) {
			check(m.Name+"."+f.Name, f, engine.CheckName(f.Name))
		}
		for _, ty := range m.Types {
			names = map[string]bool{}
			for _, f := range ty.Methods {
				check(ty.Name+":"+f.Name, f, engine.CheckMethodName(f))
			}
		}
	}
	for a, of := range aliases {
		if !seen[a] && hasModule(a) {
			t.Errorf("declared alias %s (of %s) is not declared on its function", a, of)
		}
	}
}

// hasModule reports whether "module.fn"'s module is in this build.
func hasModule(name string) bool {
	for _, e := range List {
		if len(name) > len(e.Name) && name[:len(e.Name)+1] == e.Name+"." {
			return true
		}
	}
	return false
}
