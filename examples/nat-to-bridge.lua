-- nat-to-bridge.lua — SCENARIOS.md S2: move this host from libvirt's NAT
-- network to a bridge on the physical NIC, and every VM NIC on network
-- 'default' with it. Any error, or a failed check, undoes all of it —
-- the domains' XML included.
-- Usage: rewire run [--lab] nat-to-bridge.lua [NIC] [BRIDGE] [NETWORK]
local nic     = arg[1] or "eth0"
local br      = arg[2] or "br0"
local network = arg[3] or "default"

local gw = route.get_default()              -- read before we touch anything
assert(gw and gw.gateway, "no default gateway: nothing to keep reachable")

bridge.create(br, { stp = false, forward_delay = 0 })
bridge.add_port(br, nic)
addr.move(nic, br, { mac = true })          -- addresses, routes and MAC

-- Re-point every guest NIC on the NAT network to the bridge, live and
-- persistent, keeping MAC, model and PCI address: one list, so guests
-- are changed side by side (each NIC still its own journaled change).
-- A host without libvirt has no guests to move: no domain module in a
-- build without libvirt, no daemon to connect to where none is installed.
local moved = {}
local doms = {}
if domain then
  local ok, res = pcall(domain.list)
  if ok then
    doms = res
  elseif tostring(res.message or res):find("cannot connect", 1, true) then
    print("no guest NIC to move: " .. tostring(res.message or res))
  else
    error(res, 0)
  end
end
for _, dom in ipairs(doms) do
  for _, n in ipairs(dom:interfaces()) do
    if n.type == "network" and n.source == network then
      moved[#moved + 1] = { domain = dom.name, nic = n.mac, source = { type = "bridge", source = br },
                            live = dom.state == "running", config = true }
    end
  end
end
if #moved > 0 then domain.set_interfaces(moved) end

check("gateway " .. gw.gateway .. " answers", function()
  return route.get_default().dev == br and probe.ping(gw.gateway)
end)

check("every moved guest NIC is a port of " .. br, function()
  for _, m in ipairs(moved) do
    local d = domain.get(m.domain)
    if d:state() == "running" then
      for _, n in ipairs(d:interfaces()) do
        if n.mac == m.nic and (n.source ~= br or link.get(n.dev).master ~= br) then
          error(m.domain .. " NIC " .. m.nic .. " is not in " .. br)
        end
      end
    end
  end
  return true
end)
