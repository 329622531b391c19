package persist

import (
	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/host"
	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// ManagersFor says where the Lua module asks who manages each device
// (Options.Managers): nil, the session's target. `rewire plan`, whose
// session acts on a replica where no manager runs, points it at the
// real host.
var ManagersFor = func(*tx.Session) *target.Target { return nil }

// WrittenColumns are the order print() lays Save's result out in.
var WrittenColumns = []string{"path", "device", "flavour", "action"}

// Module is the `persist` Lua module.
func Module(s *tx.Session) engine.Module { return ModuleAt(s, nil) }

// ModuleAt is Module with fixed roots (nil: host.RootsFor(target)).
func ModuleAt(s *tx.Session, roots *host.Roots) engine.Module {
	return engine.Module{
		Name: "persist",
		Doc:  "Survive a reboot: write what the transaction made live in the configuration of the manager that owns each device (NetworkManager keyfiles, systemd-networkd units, netplan YAML, ifupdown stanzas, ifcfg), its sysctls in sysctl.d, rewire's NAT chains (restored at boot by `rewire restore`), the dnsmasq it serves (a unit per bridge), and autostart for the libvirt networks it defined.",
		Funcs: []engine.Func{
			{Name: "save", Needs: engine.CapFiles,
				Params: []engine.Param{{Name: "opts", Type: "table", Optional: true,
					Fields: []engine.Field{engine.Opt("dry_run", "boolean"), engine.Opt("devices", "string[]")}}},
				Returns: []engine.Result{engine.Rows(engine.Key("path", "string"), engine.Key("device", "string"), engine.Key("flavour", "string"),
					engine.Key("action", "string"), engine.Opt("content", "string"))},
				Doc: "Persists every device the transaction touched (or `devices`), with its masters, ports and VLAN parents — bridges, bonds, VLANs, addresses (DHCP where the address is a lease), routes, MTU, MAC — in its manager's format, " +
					"the NIC that became a port edited as an admin would (no addresses, names its master); and the sysctls the transaction set in sysctl.d/90-rewire.conf. " +
					"When the transaction changed NAT rules: rewire's REWIRE-* chains in rewire/nat.rules and nat6.rules, with rewire-restore.service (enabled) to put them back at boot; " +
					"for each dnsmasq it serves: rewire/dnsmasq/BRIDGE.conf and .hosts with rewire-dnsmasq@BRIDGE.service enabled; a libvirt network it defined or started is marked autostart unless the recipe set autostart itself. " +
					"Every file is validated (nmcli --offline, netplan generate, ifup --no-act) before the first is written, each write undone on rollback; NetworkManager reloads its profiles. " +
					"A device whose manager cannot be told, or a file a validator rejects, writes nothing. dry_run renders and validates only and returns the contents.",
				Fn: func(L *lua.LState) int {
					o := conv(L)
					if o.err != nil {
						return engine.Raise(L, "persist.save", "", o.err)
					}
					o.opts.Roots = roots
					o.opts.Managers = ManagersFor(s)
					ws, err := Save(s, o.opts)
					if err != nil {
						return engine.Raise(L, "persist.save", "", err)
					}
					L.Push(engine.Records(L, ws, WrittenColumns))
					return 1
				}},
		},
	}
}
