-- Applies one batch of a store instance's writes, all or nothing, and appends it
-- to the instance's change log.
-- KEYS[1] ns:root   KEYS[2] ns:meta   KEYS[3] ns:log
-- Also uses ns:nodes (SET of live container ids), derived from ARGV[1].
-- ARGV[1] ns (key prefix of the instance's node keys)
-- ARGV[2] client id   ARGV[3] batch sequence number of that client
-- ARGV[4] operations, JSON: [[op, node, ...], ...] (see runtime/ops.ts)
-- ARGV[5] schema hash   ARGV[6] log length cap   ARGV[7] largest ops text logged whole
-- ARGV[8] log size cap in bytes (0: none)
-- Returns {instance seq, log entry id, incr results...} or {"dup"} for a batch
-- already applied (a resend after a reconnect).
-- Log entry fields: s instance seq, c client id, b batch seq of that client, then
-- o operations (JSON) and r incr results (JSON, when there are any), or i the JSON
-- array of container ids the batch touched when o would be too large.
local root, meta, log = KEYS[1], KEYS[2], KEYS[3]
local ns, client, bseq = ARGV[1], ARGV[2], tonumber(ARGV[3])

local last = tonumber(redis.call("HGET", meta, "c:" .. client) or "0")
if bseq <= last then return {"dup"} end

local ops = cjson.decode(ARGV[4])

-- ns:nodes: the ids of the instance's live containers. A write into a container that
-- is not there (another writer replaced or removed it) is refused, not left orphaned.
local nodes = ns .. ":nodes"

local function key_of(id)
  if id == "" then return root end
  return ns .. ":n:" .. id
end

local function fail(k, msg)
  return redis.error_reply("RMCONFLICT " .. k .. " " .. msg)
end

-- Check everything before the first write: a script keeps what it wrote before an error.
local kinds, lens, fresh = {}, {}, {}
local function kind_of(k)
  local t = kinds[k]
  if t == nil then
    t = redis.call("TYPE", k).ok
    kinds[k] = t
  end
  return t
end
-- Hash fields as the batch leaves them so far (false: absent), for the incr check.
local fields, cleared = {}, {}
local function field_of(k, f)
  local v = fields[k .. "\0" .. f]
  if v ~= nil then return v end
  if cleared[k] or fresh[k] then return false end
  return redis.call("HGET", k, f)
end
local function len_of(k)
  local n = lens[k]
  if n == nil then
    if fresh[k] then n = 0 else n = redis.call("LLEN", k) end
    lens[k] = n
  end
  return n
end

for _, op in ipairs(ops) do
  local name, k = op[1], key_of(op[2])
  if name == "newlist" or name == "newdict" then
    fresh[k] = true
    kinds[k] = name == "newlist" and "list" or "hash"
    if name == "newlist" then lens[k] = #op[3] end
    if name == "newdict" then
      for j = 1, #op[3] - 1, 2 do fields[k .. "\0" .. op[3][j]] = op[3][j + 1] end
    end
  else
    if op[2] ~= "" and not fresh[k] and kinds[k] == nil and redis.call("SISMEMBER", nodes, op[2]) == 0 then
      return fail(k, "was replaced or removed by another writer")
    end
    local want = "hash"
    if name == "push" or name == "unshift" or name == "lset" or name == "pop" or name == "shift"
      or name == "splice" or name == "replace" then want = "list" end
    if name == "clear" then want = kind_of(k) end
    local t = kind_of(k)
    if t ~= "none" and t ~= want then return fail(k, "holds a " .. t .. ", expected a " .. want) end
    if want == "list" then
      local n = len_of(k)
      if name == "push" or name == "unshift" then n = n + #op[3]
      elseif name == "lset" then
        if op[3] >= n then return fail(k, "index " .. op[3] .. " out of range (length " .. n .. ")") end
      elseif name == "pop" or name == "shift" then n = math.max(n - op[3], 0)
      elseif name == "splice" then
        if op[3] > n then return fail(k, "splice start " .. op[3] .. " out of range (length " .. n .. ")") end
        n = n - math.min(op[4], n - op[3]) + #op[5]
      elseif name == "replace" or name == "clear" then n = #(op[3] or {}) end
      lens[k] = n
    elseif name == "incr" then
      local v = field_of(k, op[3])
      if v and not tonumber(v) then return fail(k, "field " .. op[3] .. " holds " .. v .. ", not a number") end
      fields[k .. "\0" .. op[3]] = tostring((tonumber(v) or 0) + op[4])
    elseif name == "set" then
      fields[k .. "\0" .. op[3]] = op[4]
    elseif name == "setnx" then
      if not field_of(k, op[3]) then fields[k .. "\0" .. op[3]] = op[4] end
    elseif name == "del" then
      fields[k .. "\0" .. op[3]] = false
    elseif name == "clear" then
      lens[k] = 0
      cleared[k] = true
      local prefix = k .. "\0"
      for id in pairs(fields) do
        if string.sub(id, 1, #prefix) == prefix then fields[id] = false end
      end
    end
  end
end

-- Deletes a referenced container and everything below it.
local function drop(ref)
  local stack = {ref}
  while #stack > 0 do
    local r = table.remove(stack)
    local k = key_of(string.sub(r, 4))
    local children
    if string.sub(r, 2, 2) == "l" then children = redis.call("LRANGE", k, 0, -1)
    else children = redis.call("HVALS", k) end
    for _, v in ipairs(children) do
      if string.byte(v, 1) == 64 then stack[#stack + 1] = v end
    end
    redis.call("DEL", k)
    redis.call("SREM", nodes, string.sub(r, 4))
  end
end
local function drop_refs(values)
  for _, v in ipairs(values) do
    if string.byte(v, 1) == 64 then drop(v) end
  end
end

-- RPUSH/LPUSH/HSET take at most a few thousand arguments at a time from Lua.
local CHUNK = 4000
local function push_all(cmd, k, values, first, last)
  local i = first
  while i <= last do
    local j = math.min(i + CHUNK - 1, last)
    redis.call(cmd, k, unpack(values, i, j))
    i = j + 1
  end
end
local function reversed(values)
  local out = {}
  for i = #values, 1, -1 do out[#out + 1] = values[i] end
  return out
end

local results = {}
-- A "setnx" that found its field taken (another process filled it first).
local skipped = 0
for _, op in ipairs(ops) do
  local name, k = op[1], key_of(op[2])
  if name == "setnx" then
    if redis.call("HEXISTS", k, op[3]) == 1 then
      if string.byte(op[4], 1) == 64 then drop(op[4]) end
      skipped = skipped + 1
    else
      redis.call("HSET", k, op[3], op[4])
    end
  elseif name == "set" then
    local old = redis.call("HGET", k, op[3])
    if old and string.byte(old, 1) == 64 then drop(old) end
    redis.call("HSET", k, op[3], op[4])
  elseif name == "del" then
    local old = redis.call("HGET", k, op[3])
    if old and string.byte(old, 1) == 64 then drop(old) end
    redis.call("HDEL", k, op[3])
  elseif name == "clear" then
    local t = redis.call("TYPE", k).ok
    if t == "list" then drop_refs(redis.call("LRANGE", k, 0, -1))
    elseif t == "hash" then drop_refs(redis.call("HVALS", k)) end
    redis.call("DEL", k)
  elseif name == "push" or name == "newlist" then
    if name == "newlist" then redis.call("SADD", nodes, op[2]) end
    push_all("RPUSH", k, op[3], 1, #op[3])
  elseif name == "unshift" then
    local values = reversed(op[3])
    push_all("LPUSH", k, values, 1, #values)
  elseif name == "newdict" then
    redis.call("SADD", nodes, op[2])
    local fv = op[3]
    local i = 1
    while i <= #fv do
      local j = math.min(i + CHUNK - 1, #fv)
      if (j - i) % 2 == 0 then j = j - 1 end
      redis.call("HSET", k, unpack(fv, i, j))
      i = j + 1
    end
  elseif name == "lset" then
    local old = redis.call("LINDEX", k, op[3])
    if old and string.byte(old, 1) == 64 then drop(old) end
    redis.call("LSET", k, op[3], op[4])
  elseif name == "pop" or name == "shift" then
    local popped = redis.call(name == "pop" and "RPOP" or "LPOP", k, op[3])
    if popped then drop_refs(popped) end
  elseif name == "splice" then
    local start, count, values = op[3], op[4], op[5]
    local tail = redis.call("LRANGE", k, start, -1)
    if start == 0 then redis.call("DEL", k) else redis.call("LTRIM", k, 0, start - 1) end
    for i = 1, math.min(count, #tail) do
      if string.byte(tail[i], 1) == 64 then drop(tail[i]) end
    end
    push_all("RPUSH", k, values, 1, #values)
    push_all("RPUSH", k, tail, count + 1, #tail)
  elseif name == "replace" then
    local keep = {}
    for _, v in ipairs(op[3]) do keep[v] = true end
    local old = redis.call("LRANGE", k, 0, -1)
    redis.call("DEL", k)
    for _, v in ipairs(old) do
      if string.byte(v, 1) == 64 and not keep[v] then drop(v) end
    end
    push_all("RPUSH", k, op[3], 1, #op[3])
  elseif name == "incr" then
    local by = op[4]
    local v = redis.call("HGET", k, op[3]) or "0"
    local r
    if math.floor(by) == by and string.match(v, "^-?%d+$") and math.abs(by) < 2^53 then
      r = redis.call("HINCRBY", k, op[3], string.format("%d", by))
    else
      r = redis.call("HINCRBYFLOAT", k, op[3], string.format("%.17g", by))
    end
    results[#results + 1] = tostring(r)
  end
end

redis.call("HSET", meta, "c:" .. client, bseq, "format", "1", "schema", ARGV[5])
local seq = redis.call("HINCRBY", meta, "seq", 1)
local entry
-- Bytes an entry holds in the log, as counted in meta "logbytes" (fields plus a fixed overhead).
local ENTRY_OVERHEAD = 64
local size
-- A batch with a skipped setnx is logged as an invalidation: replicas reload.
if skipped == 0 and #ARGV[4] <= tonumber(ARGV[7]) then
  if #results > 0 then
    local r = cjson.encode(results)
    entry = redis.call("XADD", log, "*", "s", seq, "c", client, "b", bseq, "o", ARGV[4], "r", r)
    size = #ARGV[4] + #r + ENTRY_OVERHEAD
  else
    entry = redis.call("XADD", log, "*", "s", seq, "c", client, "b", bseq, "o", ARGV[4])
    size = #ARGV[4] + ENTRY_OVERHEAD
  end
else
  -- Too large to log whole: name the containers it touched so that replicas reload them.
  local touched, seen = {}, {}
  for _, op in ipairs(ops) do
    if not seen[op[2]] and op[1] ~= "newlist" and op[1] ~= "newdict" then
      seen[op[2]] = true
      touched[#touched + 1] = op[2]
    end
  end
  local i = cjson.encode(touched)
  entry = redis.call("XADD", log, "*", "s", seq, "c", client, "b", bseq, "i", i)
  size = #i + ENTRY_OVERHEAD
end

-- Keep the log within both caps: past one, trim the oldest entries to 90% of both,
-- so that trimming runs once in many batches. Replicas that needed a trimmed entry
-- see a gap in "s" and reload.
local maxlen, maxbytes = tonumber(ARGV[6]), tonumber(ARGV[8] or "0") or 0
local bytes = redis.call("HINCRBY", meta, "logbytes", size)
local len = redis.call("XLEN", log)
local function over(keep)
  return len > maxlen * keep or (maxbytes > 0 and bytes > maxbytes * keep)
end
if over(1) then
  local function entry_size(fields)
    local n = ENTRY_OVERHEAD
    for j = 1, #fields, 2 do
      local f = fields[j]
      if f == "o" or f == "r" or f == "i" then n = n + #fields[j + 1] end
    end
    return n
  end
  while len > 1 and over(0.9) do
    local oldest = redis.call("XRANGE", log, "-", "+", "COUNT", 100)
    local last
    for _, e in ipairs(oldest) do
      if len <= 1 or not over(0.9) then break end
      bytes = bytes - entry_size(e[2])
      len = len - 1
      last = e[1]
    end
    if last == nil then break end
    local ms, n = string.match(last, "^(%d+)-(%d+)$")
    redis.call("XTRIM", log, "MINID", ms .. "-" .. string.format("%d", tonumber(n) + 1))
  end
  -- Only this entry left: count it alone (the count may have drifted, e.g. the log was deleted by hand).
  if len <= 1 then bytes = size end
  redis.call("HSET", meta, "logbytes", bytes)
end
local reply = {seq, entry, skipped}
for _, r in ipairs(results) do reply[#reply + 1] = r end
return reply
