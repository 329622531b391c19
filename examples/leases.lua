-- leases.lua — SCENARIOS.md S6 inspection: every DHCP lease this host
-- knows (bridges rewire serves, libvirt networks), and, where libvirt is
-- wired in, every VM NIC with the address its MAC leased.
-- Usage: rewire run [--lab] leases.lua [BRIDGE]
local leases = dnsmasq.list_leases(arg[1])
if #leases == 0 then
  print("no DHCP leases" .. (arg[1] and (" on " .. arg[1]) or ""))
else
  print(leases)
end

if domain then
  local by_mac = {}
  for _, l in ipairs(leases) do by_mac[l.mac or ""] = l end
  for _, d in ipairs(domain.list()) do
    local dom = d.interfaces and d or domain.get(d.name)
    for _, nic in ipairs(dom:interfaces()) do
      local l = by_mac[nic.mac]
      print(string.format("%-16s %-8s %-17s %s", d.name, nic.dev or "-", nic.mac, l and l.ip or "(no lease)"))
    end
  end
end
