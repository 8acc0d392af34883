-- Collects containers a batch unlinked without having declared them (another writer
-- had added them): deletes each with everything below it.
-- KEYS[1] ns:meta   KEYS[2..] ns:n:<id> of the garbage to collect, each followed by its
--           order record ns:o:<id> (deleted with it)
-- ARGV[1] ns
-- Replies {id...}: containers found below that were not declared (collect them next).
local meta = KEYS[1]
local ns = ARGV[1]
local more = {}
local declared = {}
for i = 2, #KEYS do declared[KEYS[i]] = true end
for i = 2, #KEYS do
  local k = KEYS[i]
  local id = string.sub(k, #ns + 4)
  if string.sub(k, #ns + 1, #ns + 3) == ":n:" and redis.call("HEXISTS", meta, "g:" .. id) == 1 then
    local t = redis.call("TYPE", k).ok
    local children = {}
    if t == "list" then children = redis.call("LRANGE", k, 0, -1)
    elseif t == "hash" then children = redis.call("HVALS", k) end
    for _, v in ipairs(children) do
      if string.byte(v, 1) == 64 then
        local child = string.sub(v, 4)
        redis.call("HDEL", meta, "n:" .. child)
        redis.call("HSET", meta, "g:" .. child, string.sub(v, 2, 2))
        more[#more + 1] = child
      end
    end
    if declared[ns .. ":o:" .. id] then redis.call("DEL", k, ns .. ":o:" .. id) else redis.call("DEL", k) end
    redis.call("HDEL", meta, "g:" .. id)
  end
end
return more
