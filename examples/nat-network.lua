-- nat-network.lua — SCENARIOS.md S5: a NAT network for VMs from scratch,
-- what libvirt builds for its `default` network, done by a recipe so it can
-- be tuned: a bridge with a gateway address, DHCP on it, masquerade out of
-- the uplink, forward rules, ip_forward, a reservation and a port forward.
-- Usage: rewire run [--lab] nat-network.lua [UPLINK] [BRIDGE]
local uplink  = arg[1] or "eth0"
local br      = arg[2] or "virbr1"
local subnet  = "192.168.100.0/24"
local gateway = "192.168.100.1"
local vm1     = { mac = "52:54:00:10:00:0a", ip = "192.168.100.10", name = "vm1" }

bridge.create(br, { stp = false, forward_delay = 0 })
addr.add(br, gateway .. "/24")

dnsmasq.serve(br, { range = { "192.168.100.100", "192.168.100.199" }, router = gateway, lease_time = "1h" })
dnsmasq.reserve(br, vm1.mac, vm1.ip, vm1.name)

nat.masquerade(subnet, { out = uplink })
nat.forward(br, subnet)
nat.forward_port{ proto = "tcp", port = 2222, to = vm1.ip .. ":22", ["in"] = uplink }  -- ssh -p 2222 host reaches vm1
sysctl.set("net.ipv4.ip_forward", "1")

check("dnsmasq serves " .. br, function()
  for _, srv in ipairs(dnsmasq.status()) do
    if srv.bridge == br then return srv.running end
  end
  return false
end)
