-- rewire: allow=files
-- persist-ifcfg.lua — SCENARIOS.md S2 step 3: after nat-to-bridge.lua,
-- write ifcfg-br0 (TYPE=Bridge with the host's address and gateway) and
-- ifcfg-eth0 (BRIDGE=br0, no address) from the live state, so a reboot or
-- a network restart brings the host back the same. Rollback restores the
-- files that were there and removes the others.
-- Usage: rewire run [--lab] --allow files persist-ifcfg.lua [DIR] [NIC] [BRIDGE]
local ifcfg = require "ifcfg"

local dir    = arg[1] or ifcfg.DIR
local nic    = arg[2] or "eth0"
local bridge = arg[3] or "br0"

local names = { nic }
if link.exists(bridge) then names = { bridge, nic } end

for _, path in ipairs(ifcfg.write(names, { dir = dir })) do
  print(path)
end
