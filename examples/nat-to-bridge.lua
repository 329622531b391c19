-- nat-to-bridge.lua — SCENARIOS.md S2, host side: bridge BRIDGE takes over
-- NIC, its addresses, routes and MAC, so VMs can sit on the LAN.
-- Usage: rewire run [--lab] nat-to-bridge.lua [NIC] [BRIDGE]
local nic    = arg[1] or "eth0"
local br     = arg[2] or "br0"

local gw = route.default()                  -- read before we touch anything
assert(gw and gw.gateway, "no default gateway: nothing to keep reachable")

bridge.create(br, { stp = false, forward_delay = 0 })
bridge.add_port(br, nic)
addr.move(nic, br, { mac = true })          -- addresses, routes and MAC

check("gateway " .. gw.gateway .. " answers", function()
  return route.default().dev == br and probe.ping(gw.gateway)
end)
