-- repair: put the host back the way the guests' libvirt XML says it
-- should be (SCENARIOS.md S7), e.g. after someone restarted networking
-- and the vnetN taps fell out of their bridge.
local repair = {}

--- Returns the guest MAC (52:54:..) behind a host tap MAC (fe:54:..):
--- libvirt gives the tap the guest's MAC with the first byte set to fe.
function repair.guest_mac(tap_mac)
  return "52" .. string.lower(tap_mac):sub(3)
end

--- Returns the running guest's name and NIC record behind a tap, or nil.
function repair.tap_owner(tap)
  local mac = repair.guest_mac(link.get(tap).mac)
  for _, d in ipairs(domain.list()) do
    if d.state == "running" then
      for _, nic in ipairs(d:interfaces()) do
        if nic.mac == mac then return d.name, nic end
      end
    end
  end
  return nil
end

-- The bridge a live NIC should be in: its own for type bridge, its
-- network's for type network; nil for types without one (direct, user).
local function wanted_bridge(nic)
  if nic.type == "bridge" then return nic.source end
  if nic.type == "network" then return network.get(nic.source).bridge end
  return nil
end

--- Finds running guests' taps not enslaved to the bridge their live XML
--- names and re-enslaves them (link.set master=, rolled back like any
--- change). opts: {dry_run=bool} only reports. Returns what was (or would
--- be) changed: { {domain=, tap=, mac=, from=, to=} }.
function repair.taps(opts)
  opts = opts or {}
  for k in pairs(opts) do
    if k ~= "dry_run" then error("repair.taps: unknown option " .. tostring(k) .. " (known: dry_run)", 2) end
  end
  local changed = {}
  for _, d in ipairs(domain.list()) do
    if d.state == "running" then
      for _, nic in ipairs(d:interfaces()) do
        local want = wanted_bridge(nic)
        if want and nic.dev and link.exists(nic.dev) then
          local have = link.get(nic.dev).master or ""
          if have ~= want then
            changed[#changed + 1] = { domain = d.name, tap = nic.dev, mac = nic.mac, from = have, to = want }
            if not opts.dry_run then link.set(nic.dev, { master = want }) end
          end
        end
      end
    end
  end
  return changed
end

return repair
