-- rewire: allow=files
-- ifcfg: persist the live state of interfaces as RHEL-style
-- network-scripts (SCENARIOS.md S2 step 3, S3 "Persist"), so the host
-- comes back the same after a reboot or a network restart. Every file is
-- written with files.write: rollback restores the old files exactly.
local ifcfg = {}

--- Where RHEL-style hosts keep their network-scripts.
ifcfg.DIR = "/etc/sysconfig/network-scripts"

-- The kernel's bonding mode names, numbered as BONDING_OPTS="mode=N" takes them.
local bond_modes = {
  ["balance-rr"] = 0, ["active-backup"] = 1, ["balance-xor"] = 2, broadcast = 3,
  ["802.3ad"] = 4, ["balance-tlb"] = 5, ["balance-alb"] = 6,
}

-- The order keys appear in, as the field procedures write them.
local order = {
  "DEVICE", "TYPE", "ONBOOT", "BOOTPROTO", "BONDING_MASTER", "BONDING_OPTS",
  "MASTER", "SLAVE", "BRIDGE", "IPADDR", "PREFIX", "GATEWAY", "STP", "DELAY", "NM_CONTROLLED",
}

local known_opts = { dir = true, dns = true, delay = true, nm_controlled = true, onboot = true }

local function check_opts(opts, fn)
  for k in pairs(opts) do
    if not known_opts[k] then
      error("ifcfg." .. fn .. ": unknown option " .. tostring(k) .. " (known: delay, dir, dns, nm_controlled, onboot)", 3)
    end
  end
end

local function bonding_opts(name)
  if not bond then return nil end -- no bond module in this engine
  local st = bond.status(name)
  local parts = { "mode=" .. (bond_modes[st.mode] or st.mode), "miimon=" .. st.miimon }
  if st.updelay and st.updelay > 0 then parts[#parts + 1] = "updelay=" .. st.updelay end
  if st.downdelay and st.downdelay > 0 then parts[#parts + 1] = "downdelay=" .. st.downdelay end
  if st.primary and st.primary ~= "" then parts[#parts + 1] = "primary=" .. st.primary end
  return table.concat(parts, " ")
end

-- The IPv4 addresses an interface should come up with, and its gateway
-- when the main table's default route goes out of it.
local function ip_fields(f, name)
  local n = 0
  for _, a in ipairs(addr.list(name)) do
    if a.family == "inet" and a.scope == "global" then
      local ip, prefix = a.cidr:match("^([^/]+)/(%d+)$")
      local suffix = n == 0 and "" or tostring(n)
      f["IPADDR" .. suffix], f["PREFIX" .. suffix] = ip, prefix
      n = n + 1
    end
  end
  local gw = route.get_default()
  if n > 0 and gw and gw.dev == name and gw.gateway then f.GATEWAY = gw.gateway end
end

--- Reads what an ifcfg file for interface name must say, from the live
--- state: its kind, its master (a bridge gets BRIDGE=, a bond MASTER= and
--- SLAVE=yes, and then no address), its IPv4 addresses and gateway, a
--- bridge's STP and forward delay, a bond's options. opts as for
--- ifcfg.write. Returns a table of KEY = value.
function ifcfg.describe(name, opts)
  opts = opts or {}
  check_opts(opts, "describe")
  local l = link.get(name)
  local f = { DEVICE = name, ONBOOT = opts.onboot == false and "no" or "yes", BOOTPROTO = "none",
    NM_CONTROLLED = opts.nm_controlled and "yes" or "no" }
  local master = l.master and l.master ~= "" and link.get(l.master) or nil
  if l.kind == "bridge" then
    local b = bridge.get(name)
    f.TYPE = "Bridge"
    f.STP = b.stp == "yes" and "on" or "off"
    local delay = opts.delay or b.forward_delay
    if delay then f.DELAY = tostring(delay) end
  elseif l.kind == "bond" then
    f.TYPE = "Bond"
    f.BONDING_MASTER = "yes"
    f.BONDING_OPTS = bonding_opts(name)
  elseif l.kind == "vlan" then
    f.VLAN = "yes"
  else
    f.TYPE = "Ethernet"
  end
  if master and master.kind == "bond" then
    f.MASTER, f.SLAVE = master.name, "yes"
  elseif master and master.kind == "bridge" then
    f.BRIDGE = master.name
  else
    ip_fields(f, name)
    for i, ns in ipairs(opts.dns or {}) do f["DNS" .. i] = ns end
  end
  return f
end

local function quote(v)
  v = tostring(v)
  if v:find("[%s\"'$`\\]") then return '"' .. v:gsub('(["$`\\])', "\\%1") .. '"' end
  return v
end

--- Formats a table of KEY = value (ifcfg.describe's) as an ifcfg file:
--- the usual keys in the usual order, then the rest sorted.
function ifcfg.render(fields)
  local lines, seen = {}, {}
  local function add(k)
    if fields[k] ~= nil and not seen[k] then
      lines[#lines + 1] = k .. "=" .. quote(fields[k])
      seen[k] = true
    end
  end
  for _, k in ipairs(order) do add(k) end
  local rest = {}
  for k in pairs(fields) do if not seen[k] then rest[#rest + 1] = k end end
  table.sort(rest)
  for _, k in ipairs(rest) do add(k) end
  return table.concat(lines, "\n") .. "\n"
end

--- Writes DIR/ifcfg-NAME for each named interface from its live state
--- (files.write: rollback restores the files that were there, removes the
--- others). opts: {dir=ifcfg.DIR, dns={"10.0.0.1", ...} (DNS is not kernel
--- state: say it), delay=seconds (a bridge's DELAY when bridge.get does
--- not report it), nm_controlled=false, onboot=true}. Returns the paths.
function ifcfg.write(names, opts)
  opts = opts or {}
  check_opts(opts, "write")
  if type(names) == "string" then names = { names } end
  local dir = opts.dir or ifcfg.DIR
  -- Read every interface before writing any file: a typo fails first.
  local contents = {}
  for i, name in ipairs(names) do contents[i] = ifcfg.render(ifcfg.describe(name, opts)) end
  local paths = {}
  for i, name in ipairs(names) do
    paths[i] = dir .. "/ifcfg-" .. name
    files.write(paths[i], contents[i])
  end
  return paths
end

return ifcfg
