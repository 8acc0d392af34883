-- Reads a whole store instance in one call: the root hash, every container
-- reachable from it, and the instance's meta (epoch, seq, container registry).
-- KEYS[1] ns:root   KEYS[2] ns:meta   KEYS[3] ns:log
-- KEYS[4..] ns:n:<id> of the containers the caller expects (a container it did not
--           declare is not read: the reply asks for it)
-- ARGV[1] ns
-- Replies {"keys", id...} when containers were not declared (the caller asks again
-- with them), else {"ok", seq, epoch, last log id, format, expiry (ms, -1: none), {registry id, flags...},
-- root fields and values, {id, kind, values}...}; kind is "l"/"d", "none" for a
-- missing key, or "x:<type>" for a key of another type (reported by the caller).
local root, meta, log = KEYS[1], KEYS[2], KEYS[3]
local ns = ARGV[1]
local declared = {}
for i = 4, #KEYS do declared[KEYS[i]] = true end

local m = redis.call("HGETALL", meta)
local seq, epoch, format = "0", "", ""
local registry = {}
local known = {}
for i = 1, #m, 2 do
  local f = m[i]
  if f == "seq" then seq = m[i + 1]
  elseif f == "epoch" then epoch = m[i + 1]
  elseif f == "format" then format = m[i + 1]
  elseif string.sub(f, 1, 2) == "n:" then
    registry[#registry + 1] = string.sub(f, 3)
    registry[#registry + 1] = m[i + 1]
    known[string.sub(f, 3)] = true
  end
end

local last = "0-0"
if redis.call("EXISTS", log) == 1 then
  local info = redis.call("XINFO", "STREAM", log)
  for i = 1, #info, 2 do
    if info[i] == "last-generated-id" then last = info[i + 1] end
  end
end

local root_type = redis.call("TYPE", root).ok
local root_values = {}
if root_type == "hash" then root_values = redis.call("HGETALL", root)
elseif root_type ~= "none" then root_values = {"x:" .. root_type} end

local out = {"ok", seq, epoch, last, format, redis.call("PEXPIRETIME", meta), registry, root_values}
local need, asked = {}, {}
local queue, seen = {}, {}
local function scan(values, step, from)
  for j = from, #values, step do
    local v = values[j]
    if string.byte(v, 1) == 64 and not seen[v] then
      seen[v] = true
      queue[#queue + 1] = v
    end
  end
end
if root_type == "hash" then scan(root_values, 2, 2) end
local i = 1
while i <= #queue do
  local ref = queue[i]
  i = i + 1
  local id, kind = string.sub(ref, 4), string.sub(ref, 2, 2)
  local k = ns .. ":n:" .. id
  if #id == 0 or string.sub(ref, 3, 3) ~= ":" or (kind ~= "l" and kind ~= "d") then
    -- Malformed: not read (the caller reports it with the field that holds it).
  elseif not declared[k] then
    if not asked[id] then asked[id] = true; need[#need + 1] = id end
  else
    local t = redis.call("TYPE", k).ok
    local values = {}
    if t == "none" then kind = "none"
    elseif kind == "l" and t == "list" then values = redis.call("LRANGE", k, 0, -1); scan(values, 1, 1)
    elseif kind == "d" and t == "hash" then values = redis.call("HGETALL", k); scan(values, 2, 2)
    else kind = "x:" .. t end
    out[#out + 1] = {id, kind, values}
  end
end
if #need > 0 then
  -- Ask for every registered container at once: one more call reads them all.
  for id in pairs(known) do
    if not asked[id] and not declared[ns .. ":n:" .. id] then need[#need + 1] = id end
  end
  local reply = {"keys"}
  for _, id in ipairs(need) do reply[#reply + 1] = id end
  return reply
end
return out
