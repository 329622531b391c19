-- bad-gateway.lua — the S2 migration with a deliberately wrong gateway
-- check, so you can watch rewire roll every step back.
-- Usage: rewire run --lab bad-gateway.lua [NIC] [BRIDGE]
local nic = arg[1] or "eth0"
local br  = arg[2] or "br0"

bridge.create(br, { stp = false, forward_delay = 0 })
bridge.add_port(br, nic)
addr.move(nic, br, { mac = true })

-- 10.0.0.254 is nobody on the lab LAN: the check fails, the run rolls back.
check("gateway 10.0.0.254 answers", function()
  return probe.ping("10.0.0.254", { timeout = 500 })
end)
