-- Ends a batch whose last push was staged: in one MULTI, apply.lua applied the batch and
-- renamed the list to the staging key (when it existed), RPUSH appended the values there,
-- and this moves the list back under its own name. A batch apply.lua did not apply (a
-- duplicate, a refusal) left no mark: its staged values are dropped.
-- KEYS[1] ns:meta   KEYS[2] the staging key   KEYS[3] the list's key
-- ARGV[1] client id   ARGV[2] batch seq
-- Replies 1 when the values went into the list, 0 when they were dropped.
local meta, stage, list = KEYS[1], KEYS[2], KEYS[3]
local mark = "p:" .. ARGV[1]
if redis.call("HGET", meta, mark) ~= ARGV[2] then
  redis.call("DEL", stage)
  return 0
end
redis.call("HDEL", meta, mark)
if redis.call("EXISTS", stage) == 1 then redis.call("RENAME", stage, list) end
-- A list the push created gets the instance's expiry (RENAME keeps the staging key's: none).
local at = redis.call("PEXPIRETIME", meta)
if at > 0 then redis.call("PEXPIREAT", list, at) end
return 1
