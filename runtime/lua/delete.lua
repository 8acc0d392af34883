-- Deletes a whole store instance: every container reachable from the root, the
-- root, the meta hash and the change log.
-- KEYS[1] ns:root   KEYS[2] ns:meta   KEYS[3] ns:log
-- ARGV[1] ns (key prefix of the instance's node keys)
local root, meta, log = KEYS[1], KEYS[2], KEYS[3]
local ns = ARGV[1]
local stack = {}
if redis.call("TYPE", root).ok == "hash" then stack = redis.call("HVALS", root) end
local deleted = 0
while #stack > 0 do
  local ref = table.remove(stack)
  if string.byte(ref, 1) == 64 then
    local k = ns .. ":n:" .. string.sub(ref, 4)
    local t = redis.call("TYPE", k).ok
    local children = {}
    if t == "list" then children = redis.call("LRANGE", k, 0, -1)
    elseif t == "hash" then children = redis.call("HVALS", k) end
    for _, v in ipairs(children) do stack[#stack + 1] = v end
    deleted = deleted + redis.call("DEL", k)
  end
end
return deleted + redis.call("DEL", root, meta, log, ns .. ":nodes")
