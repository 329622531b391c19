-- util: small helpers recipes share.
local util = {}

--- Returns the elements of list for which pred(element) is true.
function util.filter(list, pred)
  local out = {}
  for _, v in ipairs(list) do
    if pred(v) then out[#out + 1] = v end
  end
  return out
end

--- Returns the first element of list for which pred(element) is true, or nil.
function util.find(list, pred)
  for _, v in ipairs(list) do
    if pred(v) then return v end
  end
  return nil
end

--- Returns a list of t's keys, sorted.
function util.keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks, function(a, b) return tostring(a) < tostring(b) end)
  return ks
end

return util
