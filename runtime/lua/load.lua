-- Reads a whole store instance in one call: the root hash and every container
-- reachable from it, with the instance's log position.
-- KEYS[1] ns:root   KEYS[2] ns:meta   KEYS[3] ns:log
-- ARGV[1] ns (key prefix of the instance's node keys)
-- Returns {seq, last log id, root fields+values, {id, kind, values}...}. kind is
-- "l" or "d"; a key holding another type comes back as kind "x:<type>" and no values.
local root, meta, log = KEYS[1], KEYS[2], KEYS[3]
local ns = ARGV[1]

local seq = redis.call("HGET", meta, "seq") or "0"
local last = "0-0"
if redis.call("EXISTS", log) == 1 then
  local info = redis.call("XINFO", "STREAM", log)
  for i = 1, #info, 2 do
    if info[i] == "last-generated-id" then last = info[i + 1] end
  end
end

local out = {seq, last}
local root_type = redis.call("TYPE", root).ok
if root_type ~= "hash" and root_type ~= "none" then
  out[3] = {"x:" .. root_type}
  return out
end
out[3] = redis.call("HGETALL", root)

local queue, seen = {}, {}
local function scan(values)
  for _, v in ipairs(values) do
    if string.byte(v, 1) == 64 and not seen[v] then
      seen[v] = true
      queue[#queue + 1] = v
    end
  end
end
scan(out[3])
local i = 1
while i <= #queue do
  local ref = queue[i]
  i = i + 1
  local id, kind = string.sub(ref, 4), string.sub(ref, 2, 2)
  local k = ns .. ":n:" .. id
  local t = redis.call("TYPE", k).ok
  local values
  if t == "none" then values = {}
  elseif kind == "l" and t == "list" then values = redis.call("LRANGE", k, 0, -1)
  elseif kind == "d" and t == "hash" then values = redis.call("HGETALL", k)
  else kind = "x:" .. t; values = {} end
  if kind == "d" then
    local vals = {}
    for j = 2, #values, 2 do vals[#vals + 1] = values[j] end
    scan(vals)
  elseif kind == "l" then
    scan(values)
  end
  out[#out + 1] = {id, kind, values}
end
return out
