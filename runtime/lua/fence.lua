-- Fences older writers out of an instance a migration is about to rewrite: raises the
-- lowest writable schema version (ns:meta vmin) while the instance is still the
-- incarnation and the version the migration read. Batches of writers below it are
-- refused from then on (apply.lua), so a busy old writer cannot starve the migration.
-- KEYS[1] ns:meta
-- ARGV[1] epoch the migration read   ARGV[2] version it read (v)   ARGV[3] the new vmin
-- Replies 1 when fenced (or already), 0 when the instance changed incarnation or version.
local meta = KEYS[1]
local m = redis.call("HMGET", meta, "epoch", "v", "vmin")
if m[1] ~= ARGV[1] or (m[2] or "1") ~= ARGV[2] then return 0 end
local vmin = tonumber(ARGV[3])
if tonumber(m[3] or "1") < vmin then redis.call("HSET", meta, "vmin", ARGV[3]) end
return 1
