-- bond-then-bridge.lua — SCENARIOS.md S3: two NICs become the slaves of a
-- bond, the bond becomes the port of a bridge, and the bridge takes the
-- host's IP, routes and MAC from the slave that held them.
-- Usage: rewire run [--lab] bond-then-bridge.lua [SLAVES] [BONDING_OPTS] [BRIDGE] [BOND]
--   SLAVES        comma-separated NICs               (default ens32,ens36)
--   BONDING_OPTS  as in ifcfg, e.g. "mode=1 miimon=100" (default active-backup, miimon 100)
--   BRIDGE        the bridge that takes the host IP  (default br0)
local slaves = {}
for nic in (arg[1] or "ens32,ens36"):gmatch("[^,%s]+") do slaves[#slaves + 1] = nic end
local opts = { mode = "active-backup", miimon = 100 }
for k, v in (arg[2] or ""):gmatch("([%w_]+)=(%S+)") do opts[k] = tonumber(v) or v end
local br   = arg[3] or "br0"
local bnd  = arg[4] or "bond0"

-- First change: a kernel without bonding stops here, before anything else.
bond.create(bnd, opts)

-- The slave that holds the host's addresses (else the first one) gives
-- the bridge its IP, routes and MAC.
local gw = route.get_default()
local function holds_host(nic)
  if gw and gw.dev == nic then return true end
  for _, a in ipairs(addr.list(nic)) do
    if a.scope == "global" then return true end
  end
  return false
end
local holder = slaves[1]
for _, nic in ipairs(slaves) do
  if holds_host(nic) then holder = nic; break end
end

bridge.create(br, { stp = false, forward_delay = 0 })
bridge.add_port(br, bnd)
-- The other slaves first: the bridge then reaches the LAN when the
-- holder's addresses move, so a DHCP lease moves with its client and is
-- renewed on the bridge at once (a bond with no slave has no carrier).
for _, nic in ipairs(slaves) do
  if nic ~= holder then bond.add_slave(bnd, nic) end
end
addr.move(holder, br, { mac = true })       -- host IP, routes and MAC (the LAN's ARP caches stay valid)
bond.add_slave(bnd, holder)                 -- free of addresses now: the bond carries them from here on

check("bond " .. bnd .. " healthy", function() return assert(bond.check_health(bnd)) end)
if gw and gw.gateway then
  check("gateway " .. gw.gateway .. " reachable", function()
    if probe then return probe.ping(gw.gateway) end
    return route.get_default().dev == br
  end)
end

print(bridge.list())
local st = bond.status(bnd)
print(string.format("%s: %s, active slave %s, MII %s, polling %d ms", bnd, st.mode_title,
  st.active_slave or "none", st.mii_status, st.miimon))
print(st.slaves)
