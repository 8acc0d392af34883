-- Deletes a whole store instance: its root, meta, log and every registered container
-- (and any garbage waiting to be collected).
-- KEYS[1] ns:root   KEYS[2] ns:meta   KEYS[3] ns:log   KEYS[4..] ns:n:<id> of its containers,
--           each with its dict order record ns:o:<id>, and the root's ns:o:
-- ARGV[1] ns
-- Replies {"keys", id...} when a registered container was not declared (the caller
-- asks again with them), else {"ok", keys deleted}.
local root, meta, log = KEYS[1], KEYS[2], KEYS[3]
local ns = ARGV[1]
local declared = {}
for i = 4, #KEYS do declared[KEYS[i]] = true end
local m = redis.call("HKEYS", meta)
local need = {"keys"}
for _, f in ipairs(m) do
  local p = string.sub(f, 1, 2)
  if (p == "n:" or p == "g:") and #f > 2 and not (declared[ns .. ":n:" .. string.sub(f, 3)] and declared[ns .. ":o:" .. string.sub(f, 3)]) then
    need[#need + 1] = string.sub(f, 3)
  end
end
if #need > 1 then return need end
-- DEL takes at most a few thousand keys at a time from Lua (unpack()).
local deleted = 0
for i = 1, #KEYS, 4000 do
  deleted = deleted + redis.call("DEL", unpack(KEYS, i, math.min(i + 3999, #KEYS)))
end
return {"ok", deleted}
