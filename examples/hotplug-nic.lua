-- S6: hot-plug a NIC on a bridge into a running guest, show its NICs
-- (tap, type, source, model, MAC, PCI address, leased IP) and map the new
-- tap back to the guest by MAC.
--   rewire run --lab examples/hotplug-nic.lua vm1 br0
local repair = require "repair"
local guest  = arg[1] or "vm1"
local br     = arg[2] or "br0"

if not link.exists(br) then bridge.create(br, { stp = false }) end

local dom = domain.get(guest)
local mac = dom:attach_interface({ type = "bridge", source = br, model = "virtio" }, { live = true })
print(dom)
print(dom:interfaces())

local tap
for _, nic in ipairs(dom:interfaces()) do
  if nic.mac == mac then tap = nic.dev end
end

check("new NIC is plugged into " .. br, function()
  return tap ~= nil and link.get(tap).master == br
end)
check("its tap maps back to " .. guest, function()
  return repair.tap_owner(tap) == guest
end)
