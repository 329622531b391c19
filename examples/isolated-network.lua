-- S4: an isolated libvirt network — guests reach each other and the host,
-- never the outside (no <forward>). Optionally plugs a guest into it.
--   rewire run --lab examples/isolated-network.lua [guest]
local name   = "isolated"
local bridge = "virbr2"
local guest  = arg[1]

network.define([[
<network>
  <name>isolated</name>
  <bridge name='virbr2' stp='on' delay='0'/>
  <ip address='172.16.1.1' netmask='255.255.255.0'>
    <dhcp><range start='172.16.1.2' end='172.16.1.254'/></dhcp>
  </ip>
</network>]])
network.start(name)
network.set_autostart(name, true)

if guest then
  local mac = domain.get(guest):attach_interface({ type = "network", source = name, model = "virtio" },
                                                 { live = true, config = true })
  print(guest .. " has a NIC " .. mac .. " on " .. name)
end

check("network is isolated and up", function()
  local n = network.get(name)
  return n.active and n.forward == "none" and n.bridge == bridge
end)
check("bridge exists on the host", function() return link.exists(bridge) end)
