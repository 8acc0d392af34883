-- Applies one batch of a store instance's writes, all or nothing, exactly once, in
-- its client's order, and appends it to the instance's change log.
-- KEYS[1] ns:root   KEYS[2] ns:meta   KEYS[3] ns:log
-- KEYS[4..] ns:n:<id> of every container the batch may read or write (a key the
--           script finds it needs and was not given is asked for: RMKEYS)
-- ARGV[1] ns   ARGV[2] client id   ARGV[3] batch seq   ARGV[4] the seq this batch follows
-- ARGV[5] epoch the replica loaded ("" = it loaded no instance)   ARGV[6] epoch to create
-- ARGV[7] operations, JSON (runtime/ops.ts)   ARGV[8] schema hash
-- ARGV[9] log: entries kept   ARGV[10] log: age kept (ms)   ARGV[11] log: largest ops logged whole
-- ARGV[12] ttl (ms; 0: the store sets none)   ARGV[13] the instance seq a transaction read at ("": none)
-- ARGV[14] staging key ("": none): the batch's last op is a push whose values the same MULTI
--          RPUSHes there (declared in KEYS; lua/staged.lua moves them into the list)
-- ARGV[15] subscriptions to the log channel that are the writer's own (-1 or absent: log the batch
--          whoever listens; otherwise a batch no other subscription hears leaves the log empty)
-- ARGV[16] the client's batches up to this seq are all answered (their results are forgotten;
--          absent: results are kept for the client's last WINDOW batches)
-- ARGV[17..] (large batches) the values of push/unshift ops, whose values field is then their count
-- Replies {seq, log id, skipped setnx, {incr results}, {aliases}, {garbage ids}, epoch, expiry (ms, -1: none)}
-- or {"dup", {incr results}, {aliases}, epoch, skipped setnx, expiry} for a batch already applied. Refusals are
-- error replies "RM<KIND> ..." and write nothing.
-- meta fields: format, epoch, seq, schema, n:<id> = container flags ("" = root),
-- c:<client> = last batch applied, r:<client> = recent results (JSON), g:<id> = garbage.
local root, meta, log = KEYS[1], KEYS[2], KEYS[3]
local ns, client, bseq, prev = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local FORMAT = "2"
-- Results remembered per client: at least the batches it can have in flight.
local WINDOW = 32

local declared = {}
for i = 4, #KEYS do declared[KEYS[i]] = true end
local function key_of(id)
  if id == "" then return root end
  return ns .. ":n:" .. id
end

-- A copy of a sequence (unpack() takes at most a few thousand values).
local function copy(values)
  local out = {}
  for i = 1, #values do out[i] = values[i] end
  return out
end

-- Keys the checks found they need and were not given (asked for with RMKEYS).
local need, needed = {}, {}
local function refuse(kind, k, msg)
  -- A check made while keys are missing (an op on a container a skipped promote makes)
  -- may refuse wrongly: ask for them first; the batch comes back and is checked whole.
  if #need > 0 then return redis.error_reply("RMKEYS " .. table.concat(need, " ")) end
  return redis.error_reply("RM" .. kind .. " " .. k .. " " .. msg)
end

-- ---- the instance: format, epoch, counters --------------------------------
local m = redis.call("HMGET", meta, "format", "epoch", "seq", "c:" .. client, "r:" .. client)
local format, epoch, iseq, marker, recent = m[1], m[2], m[3], m[4], m[5]
if format and format ~= FORMAT then
  return refuse("FORMAT", meta, "has format " .. format .. ", this library writes format " .. FORMAT)
end
if iseq and not string.match(iseq, "^%d+$") then return refuse("CORRUPT", meta, "field seq holds " .. iseq) end
if marker and not string.match(marker, "^%d+$") then return refuse("CORRUPT", meta, "field c:" .. client .. " holds " .. marker) end
local creating = false
if ARGV[5] == "" then
  if not epoch then
    if redis.call("EXISTS", root) == 1 then return refuse("EVICTED", meta, "is missing while ns:root exists") end
    creating = true
    epoch = ARGV[6]
  end
elseif epoch ~= ARGV[5] then
  return refuse("EPOCH", meta, "instance epoch is " .. tostring(epoch) .. ", the batch was made for " .. ARGV[5])
end

-- ---- exactly once, in the client's order -----------------------------------
marker = tonumber(marker or "0")
local function remembered()
  if not recent then return {} end
  return cjson.decode(recent)
end
if bseq <= marker then
  local r = remembered()[tostring(bseq)] or {}
  return {"dup", r[1] or {}, r[2] or {}, epoch, r[3] or 0, redis.call("PEXPIRETIME", meta)}
end
if marker ~= prev then return refuse("WAIT", meta, "batch " .. bseq .. " follows " .. prev .. ", last applied " .. marker) end
-- A transaction applies only if nothing was written since it read.
if ARGV[13] ~= "" and (iseq or "0") ~= ARGV[13] then
  return refuse("STALE", meta, "was written by another writer since the transaction read it (seq " .. (iseq or "0") .. ", read at " .. ARGV[13] .. ")")
end

local ops = cjson.decode(ARGV[7])
-- A large batch sends the values of its pushes as arguments of their own (ARGV[17..]),
-- not as JSON strings inside the operations: a push op then holds their count.
-- A staged push (its values never enter the script) is the batch's last op.
local stage = ARGV[14] or ""
local staged = nil
if stage ~= "" then
  staged = ops[#ops]
  if not staged or staged[1] ~= "push" or type(staged[3]) ~= "number" then
    return refuse("CORRUPT", stage, "a staged batch must end with a push of counted values")
  end
  staged.count = staged[3]
  staged.staged = true
  staged.origin = staged[2]
  staged[3] = nil
end
local bulk = #ARGV > 16 or staged ~= nil
if bulk then
  local cursor = 16
  for _, op in ipairs(ops) do
    if (op[1] == "push" or op[1] == "unshift") and type(op[3]) == "number" then
      if op[1] == "push" then
        -- Pushed straight from ARGV (no copy): op.range names the slice.
        op.range = {cursor + 1, cursor + op[3]}
        op.count = op[3]
        op[3] = nil
      else
        local values = {}
        for i = 1, op[3] do values[i] = ARGV[cursor + i] end
        op[3] = values
      end
      cursor = cursor + (op.count or #op[3])
    end
  end
end

-- ---- check everything before the first write -------------------------------
-- Containers are registered in meta (n:<id>): kind "l"/"d", then "1" when the key
-- should exist (not empty), then "r" when it may hold references, then ":" and the
-- start of the SHA-1 of the inline text it was promoted from.
local flags = {}
local function flags_of(id)
  local f = flags[id]
  if f == nil then
    f = redis.call("HGET", meta, "n:" .. id) or false
    flags[id] = f
  end
  return f
end
local function ask(id)
  if not needed[id] then
    needed[id] = true
    need[#need + 1] = id
  end
end
-- Promotes that found their element already a container (another writer's): the
-- client's id -> that container's id, for this batch and the client's next ones
-- (remembered with the results until the client has learnt them).
local alias, used, created = {}, {}, {}
for _, r in pairs(remembered()) do
  local pairs_ = r[2] or {}
  for j = 1, #pairs_ - 1, 2 do alias[pairs_[j]] = pairs_[j + 1] end
end
local function resolve(id)
  local to = alias[id]
  if to then used[id] = to; return to end
  return id
end
local kinds, lens, fresh = {}, {}, {}
local function kind_of(k)
  local t = kinds[k]
  if t == nil then
    t = redis.call("TYPE", k).ok
    kinds[k] = t
  end
  return t
end
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
    if fresh[k] or kind_of(k) == "none" then n = 0 else n = redis.call("LLEN", k) end
    lens[k] = n
  end
  return n
end
-- Lists whose elements the batch changes by index: their contents, simulated.
local LIST_OPS = {push = true, unshift = true, lset = true, pop = true, shift = true, splice = true, replace = true}

-- A container the batch writes into: declared, registered, of its kind, not evicted.
local function target(id, want)
  local k = key_of(id)
  if id ~= "" and not declared[k] then ask(id); return k, nil end
  if fresh[k] then return k, nil end
  local t = kind_of(k)
  if id == "" then
    if t ~= "none" and t ~= "hash" then return k, "holds a " .. t .. ", expected a hash" end
    local f = flags_of("")
    if t == "none" and f and string.sub(f, 2, 2) == "1" then return k, "is missing (evicted?) while ns:meta says it holds fields" end
    return k, nil
  end
  local f = flags_of(id)
  if not f then return k, "was replaced or removed by another writer" end
  local kind = string.sub(f, 1, 1) == "l" and "list" or "hash"
  if want and want ~= kind then return k, "is a " .. kind .. ", expected a " .. want end
  if t ~= "none" and t ~= kind then return k, "holds a " .. t .. ", expected a " .. kind end
  if t == "none" and string.sub(f, 2, 2) == "1" then return k, "is missing (evicted?) while ns:meta says it holds data" end
  return k, nil
end

-- A list that a promote addresses by index after other ops of the batch moved its
-- elements: its contents are simulated through the batch (the rare case).
local sim = {}
-- So is a list that may hold references and loses elements after another op moved them.
local REMOVES = {lset = true, pop = true, shift = true, splice = true, replace = true, clear = true}
do
  local structural = {}
  for _, op in ipairs(ops) do
    local id = resolve(op[2])
    if op[1] == "promote" then
      if structural[id] then sim[key_of(id)] = false end
    elseif LIST_OPS[op[1]] or op[1] == "clear" then
      if structural[id] and REMOVES[op[1]] and id ~= "" then
        local f = flags_of(id)
        if f and string.sub(f, 3, 3) == "r" then sim[key_of(id)] = false end
      end
      structural[id] = true
    end
  end
end
local function simulated(k)
  local s = sim[k]
  if s == false then
    s = fresh[k] and {} or redis.call("LRANGE", k, 0, -1)
    sim[k] = s
  end
  return s
end
local function simulate(k, op)
  if sim[k] == nil then return end
  local s = simulated(k)
  local name = op[1]
  if name == "push" then
    -- A staged push is the last op: nothing after it reads the simulation.
    if op.staged then return end
    if op.range then for i = op.range[1], op.range[2] do s[#s + 1] = ARGV[i] end
    else for _, v in ipairs(op[3]) do s[#s + 1] = v end end
  elseif name == "unshift" then for i = #op[3], 1, -1 do table.insert(s, 1, op[3][i]) end
  elseif name == "lset" then s[op[3] + 1] = op[4]
  elseif name == "pop" then for _ = 1, math.min(op[3], #s) do table.remove(s) end
  elseif name == "shift" then for _ = 1, math.min(op[3], #s) do table.remove(s, 1) end
  elseif name == "splice" then
    for _ = 1, math.min(op[4], #s - op[3]) do table.remove(s, op[3] + 1) end
    for i, v in ipairs(op[5]) do table.insert(s, op[3] + i, v) end
  elseif name == "replace" then sim[k] = copy(op[3])
  elseif name == "clear" then sim[k] = {} end
end

-- The element a promote turns into a container, as the server holds it now.
local function slot_value(pk, pkind, slot)
  if pkind == "list" then
    if sim[pk] ~= nil then return simulated(pk)[slot + 1] end
    if fresh[pk] then return nil end
    return redis.call("LINDEX", pk, slot)
  end
  return field_of(pk, slot)
end

-- A subtree the batch will delete: every key of it declared (asked for otherwise) and
-- of the kind its reference names, so that deleting it cannot fail half-way.
local checked = {}
local function check_subtree(ref)
  local stack = {ref}
  while #stack > 0 do
    local r = table.remove(stack)
    local id, kind = string.sub(r, 4), string.sub(r, 2, 2)
    if #id > 0 and string.sub(r, 3, 3) == ":" and not checked[id] then
      checked[id] = true
      local k = key_of(id)
      if not declared[k] then ask(id)
      elseif not fresh[k] then
        local t = kind_of(k)
        local children = {}
        if kind == "l" and t == "list" then children = redis.call("LRANGE", k, 0, -1)
        elseif kind == "d" and t == "hash" then children = redis.call("HVALS", k)
        elseif t ~= "none" then return k .. " holds a " .. t .. ", but a reference names it as a " .. (kind == "l" and "list" or "hash") end
        for _, v in ipairs(children) do
          if string.byte(v, 1) == 64 then stack[#stack + 1] = v end
        end
      end
    end
  end
  return nil
end
local function check_refs(values)
  for _, v in ipairs(values) do
    if v and string.byte(v, 1) == 64 then
      local err = check_subtree(v)
      if err then return err end
    end
  end
  return nil
end
-- The elements a list op removes, as the server holds them at that point of the batch.
local function removed_by(k, op, n)
  local name = op[1]
  if sim[k] ~= nil then
    local s, out = simulated(k), {}
    local from, to
    if name == "lset" then from, to = op[3] + 1, op[3] + 1
    elseif name == "pop" then from, to = #s - op[3] + 1, #s
    elseif name == "shift" then from, to = 1, op[3]
    elseif name == "splice" then from, to = op[3] + 1, op[3] + op[4]
    else from, to = 1, #s end
    for i = math.max(from, 1), math.min(to, #s) do out[#out + 1] = s[i] end
    return out
  end
  if fresh[k] or kind_of(k) ~= "list" then return {} end
  if name == "lset" then return {redis.call("LINDEX", k, op[3])}
  elseif name == "pop" then return redis.call("LRANGE", k, -op[3], -1)
  elseif name == "shift" then return redis.call("LRANGE", k, 0, op[3] - 1)
  elseif name == "splice" then
    if op[4] == 0 then return {} end
    return redis.call("LRANGE", k, op[3], op[3] + op[4] - 1)
  end
  return redis.call("LRANGE", k, 0, -1)
end

for _, op in ipairs(ops) do
  local name = op[1]
  op[2] = resolve(op[2])
  local want = LIST_OPS[name] and "list" or "hash"
  if name == "clear" then want = nil end
  if name == "promote" then
    -- {"promote", parent, field or index, new id, "l"/"d", sha1 of the element's text, contents}
    local pk, err = target(op[2], nil)
    if err then return refuse("CONFLICT", pk, err) end
    if not needed[op[2]] then
      local pkind = kind_of(pk)
      if pkind == "none" then pkind = (op[2] == "" or string.sub(flags_of(op[2]) or "d", 1, 1) == "d") and "hash" or "list" end
      local cur = slot_value(pk, pkind, op[3])
      local k = key_of(op[4])
      if cur and string.byte(cur, 1) == 64 and string.sub(cur, 2, 2) == op[5] then
        -- Another writer made it a container first: this batch's writes go there.
        local existing = string.sub(cur, 4)
        -- It must be the record this batch saw: a container made from another text replaced it.
        local origin = string.match(flags_of(existing) or "", ":(%x+)$")
        if origin and origin ~= string.sub(op[6], 1, #origin) then
          return refuse("CONFLICT", pk, "element " .. op[3] .. " was replaced by another writer")
        end
        alias[op[4]] = existing
        used[op[4]] = existing
        -- Later ops that address it by index after moving its elements: simulate it under its real id.
        if sim[k] ~= nil and sim[key_of(existing)] == nil then sim[key_of(existing)] = false end
        created[#created + 1] = op[4]
        created[#created + 1] = existing
        if not declared[key_of(existing)] then ask(existing) end
      elseif not cur or redis.sha1hex(cur) ~= op[6] then
        return refuse("CONFLICT", pk, "element " .. op[3] .. " was changed by another writer")
      else
        if kind_of(k) ~= "none" then return refuse("CONFLICT", k, "already exists") end
        if not declared[k] then ask(op[4]) end
        fresh[k] = true
        kinds[k] = op[5] == "l" and "list" or "hash"
        -- A new list's contents are known: later promotes of its elements read them here.
        if op[5] == "l" then lens[k] = #op[7]; sim[k] = copy(op[7]) else
          for j = 1, #op[7] - 1, 2 do fields[k .. "\0" .. op[7][j]] = op[7][j + 1] end
        end
        if pkind == "hash" then fields[pk .. "\0" .. op[3]] = "@" .. op[5] .. ":" .. op[4]
        elseif sim[pk] ~= nil then simulated(pk)[op[3] + 1] = "@" .. op[5] .. ":" .. op[4] end
      end
    end
  else
    local k, err = target(op[2], want)
    if err then return refuse("CONFLICT", k, err) end
    if not needed[op[2]] then
      if want == nil then want = kind_of(k) == "list" and "list" or "hash" end
      if want == "list" then
        if REMOVES[name] and (op[2] == "" or string.sub(flags_of(op[2]) or "", 3, 3) == "r") then
          local err = check_refs(removed_by(k, op))
          if err then return refuse("CONFLICT", err, "(in a subtree the batch deletes)") end
        end
        local n = len_of(k)
        if name == "push" or name == "unshift" then n = n + (op.count or #op[3])
        elseif name == "lset" then
          if op[3] >= n then return refuse("CONFLICT", k, "index " .. op[3] .. " out of range (length " .. n .. ")") end
        elseif name == "pop" or name == "shift" then n = math.max(n - op[3], 0)
        elseif name == "splice" then
          if op[3] > n then return refuse("CONFLICT", k, "splice start " .. op[3] .. " out of range (length " .. n .. ")") end
          n = n - math.min(op[4], n - op[3]) + #op[5]
        elseif name == "replace" or name == "clear" then n = #(op[3] or {}) end
        lens[k] = n
        simulate(k, op)
      elseif name == "incr" then
        local v = field_of(k, op[3])
        if v and not tonumber(v) then return refuse("CONFLICT", k, "field " .. op[3] .. " holds " .. string.sub(v, 1, 40) .. ", not a number") end
        local sum = (tonumber(v) or 0) + op[4]
        if sum ~= sum or sum == math.huge or sum == -math.huge then return refuse("CONFLICT", k, "field " .. op[3] .. " + " .. op[4] .. " is not a finite number") end
        fields[k .. "\0" .. op[3]] = tostring(sum)
      elseif name == "set" or name == "del" then
        local err = check_refs({field_of(k, op[3])})
        if err then return refuse("CONFLICT", err, "(in a subtree the batch deletes)") end
        fields[k .. "\0" .. op[3]] = name == "set" and op[4] or false
      elseif name == "setnx" then
        if not field_of(k, op[3]) then fields[k .. "\0" .. op[3]] = op[4] end
      elseif name == "clear" then
        if not fresh[k] and kind_of(k) == "hash" then
          local err = check_refs(redis.call("HVALS", k))
          if err then return refuse("CONFLICT", err, "(in a subtree the batch deletes)") end
        end
        lens[k] = 0
        cleared[k] = true
        local prefix = k .. "\0"
        for id in pairs(fields) do
          if string.sub(id, 1, #prefix) == prefix then fields[id] = false end
        end
      else
        return refuse("CONFLICT", k, "unknown operation " .. tostring(name))
      end
    end
  end
end
-- Expiry: every key of the instance expires at once. A store opened with `ttl` sets it
-- again for every key when less than 90% of it is left (amortised O(1) per batch);
-- between refreshes, keys a batch creates get the instance's current expiry.
local ttl = tonumber(ARGV[12])
local expire_at = redis.call("PEXPIRETIME", meta)
local refresh = ttl > 0 and (expire_at < 0 or redis.call("PTTL", meta) < ttl * 0.9)
local registered = {}
if refresh then
  local all = redis.call("HKEYS", meta)
  for _, f in ipairs(all) do
    if string.sub(f, 1, 2) == "n:" and #f > 2 then
      local id = string.sub(f, 3)
      registered[#registered + 1] = id
      if not declared[key_of(id)] then ask(id) end
    end
  end
end
if #need > 0 then return redis.error_reply("RMKEYS " .. table.concat(need, " ")) end
-- A staged push goes into the list the client named, renamed in and out of the staging
-- key: another writer's container (an alias), or a user who may not run the rest of the
-- MULTI, takes the plain path.
if staged then
  local k = key_of(staged[2])
  if staged[2] ~= staged.origin then return refuse("UNSTAGE", k, "the list is another writer's container") end
  -- Everything the MULTI runs after this script, so that nothing after it can be refused.
  local may = redis.acl_check_cmd
  if not (may("RENAME", k, stage) and may("RENAME", stage, k) and may("RPUSH", stage, "v") and may("DEL", stage)
      and may("EVAL", "", "3", meta, stage, k) and may("HDEL", meta, "p") and may("PEXPIREAT", k, "0")) then
    return refuse("UNSTAGE", k, "the user may not run what a staged push runs (RENAME, RPUSH, EVAL, ...)")
  end
end

-- ---- apply ---------------------------------------------------------------
if creating then redis.call("HSET", meta, "format", FORMAT, "epoch", epoch) end
local touched = {}
local garbage = {}

-- Deletes a referenced container and everything below it that the batch declared;
-- a key it was not given is unregistered now (unreachable) and collected later.
local function drop(ref)
  local stack = {ref}
  while #stack > 0 do
    local r = table.remove(stack)
    local id = string.sub(r, 4)
    local k = key_of(id)
    -- A malformed reference names no container: there is nothing to delete.
    if #id > 0 and string.sub(r, 3, 3) == ":" then
      redis.call("HDEL", meta, "n:" .. id)
      flags[id] = false
      touched[id] = nil
      if declared[k] then
        local t = redis.call("TYPE", k).ok
        local children = {}
        if t == "list" then children = redis.call("LRANGE", k, 0, -1)
        elseif t == "hash" then children = redis.call("HVALS", k) end
        for _, v in ipairs(children) do
          if string.byte(v, 1) == 64 then stack[#stack + 1] = v end
        end
        redis.call("DEL", k)
      else
        redis.call("HSET", meta, "g:" .. id, string.sub(r, 2, 2))
        garbage[#garbage + 1] = id
      end
    end
  end
end
local function drop_refs(values)
  for _, v in ipairs(values) do
    if string.byte(v, 1) == 64 then drop(v) end
  end
end
local function may_hold_refs(id)
  if id == "" then return true end
  local f = flags_of(id)
  return f and string.sub(f, 3, 3) == "r"
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
local function hset_all(k, fv)
  local i = 1
  while i <= #fv do
    local j = math.min(i + CHUNK - 1, #fv)
    if (j - i) % 2 == 0 then j = j - 1 end
    redis.call("HSET", k, unpack(fv, i, j))
    i = j + 1
  end
end

local results = {}
local skipped = 0
local staged_key = nil
for _, op in ipairs(ops) do
  local name, id = op[1], resolve(op[2])
  local k = key_of(id)
  touched[id] = true
  if name == "promote" then
    local newid = op[4]
    if used[newid] == nil then
      local nk = key_of(newid)
      if op[5] == "l" then push_all("RPUSH", nk, op[7], 1, #op[7]) else hset_all(nk, op[7]) end
      local ref = "@" .. op[5] .. ":" .. newid
      if redis.call("TYPE", k).ok == "list" then redis.call("LSET", k, op[3], ref) else redis.call("HSET", k, op[3], ref) end
      -- The start of the SHA-1 of the text it was made from: a later promote of that text aliases only to it.
      flags[newid] = op[5] .. "0:" .. string.sub(op[6], 1, 16)
      touched[newid] = true
      if id ~= "" then
        local f = flags_of(id)
        if f and string.sub(f, 3, 3) ~= "r" then flags[id] = string.sub(f, 1, 2) .. "r" .. string.sub(f, 3) end
      end
    end
  elseif name == "setnx" then
    if redis.call("HEXISTS", k, op[3]) == 1 then skipped = skipped + 1 else redis.call("HSET", k, op[3], op[4]) end
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
    if may_hold_refs(id) then
      if t == "list" then drop_refs(redis.call("LRANGE", k, 0, -1))
      elseif t == "hash" then drop_refs(redis.call("HVALS", k)) end
    end
    redis.call("DEL", k)
  elseif name == "push" then
    if op.staged then staged_key = k
    elseif op.range then push_all("RPUSH", k, ARGV, op.range[1], op.range[2])
    else push_all("RPUSH", k, op[3], 1, #op[3]) end
  elseif name == "unshift" then
    local values = {}
    for i = #op[3], 1, -1 do values[#values + 1] = op[3][i] end
    push_all("LPUSH", k, values, 1, #values)
  elseif name == "lset" then
    if may_hold_refs(id) then
      local old = redis.call("LINDEX", k, op[3])
      if old and string.byte(old, 1) == 64 then drop(old) end
    end
    redis.call("LSET", k, op[3], op[4])
  elseif name == "pop" or name == "shift" then
    local popped = redis.call(name == "pop" and "RPOP" or "LPOP", k, op[3])
    if popped and may_hold_refs(id) then drop_refs(popped) end
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
    local old = may_hold_refs(id) and redis.call("LRANGE", k, 0, -1) or {}
    redis.call("DEL", k)
    for _, v in ipairs(old) do
      if string.byte(v, 1) == 64 and not keep[v] then drop(v) end
    end
    push_all("RPUSH", k, op[3], 1, #op[3])
  elseif name == "incr" then
    local by = op[4]
    local v = redis.call("HGET", k, op[3]) or "0"
    local r
    -- HINCRBY fails past 64-bit integers (after this batch's earlier writes): exact integers only.
    local cur = tonumber(v)
    if math.floor(by) == by and string.match(v, "^-?%d+$") and math.abs(by) < 2^53 and math.abs(cur) < 2^53 and math.abs(cur + by) < 2^53 then
      r = redis.call("HINCRBY", k, op[3], string.format("%d", by))
    elseif math.floor(by) == by and math.floor(cur) == cur then
      -- Integers past 2^53 are doubles in JSON: add as one (what a replica computes), not as text digits.
      r = string.format("%.17g", cur + by)
      redis.call("HSET", k, op[3], r)
    else
      r = redis.call("HINCRBYFLOAT", k, op[3], string.format("%.17g", by))
    end
    results[#results + 1] = tostring(r)
  end
end

-- Registry: which containers should exist (eviction shows as a missing key).
local reg = {}
for id in pairs(touched) do
  local f = flags[id]
  if id == "" then f = f or "d0" end
  if f then
    local exists = (key_of(id) == staged_key or redis.call("EXISTS", key_of(id)) == 1) and "1" or "0"
    reg[#reg + 1] = "n:" .. id
    reg[#reg + 1] = string.sub(f, 1, 1) .. exists .. string.sub(f, 3)
  end
end
if #reg > 0 then hset_all(meta, reg) end

if refresh then
  -- One absolute time for every key (PEXPIRE reads the clock at each call).
  local clock = redis.pcall("TIME")
  local cmd, arg = "PEXPIRE", ttl
  if type(clock) == "table" and clock.err == nil then
    cmd, arg = "PEXPIREAT", tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000) + ttl
  end
  redis.call(cmd, root, arg)
  redis.call(cmd, meta, arg)
  for _, id in ipairs(registered) do
    if flags[id] ~= false then redis.call(cmd, key_of(id), arg) end
  end
  for id in pairs(touched) do redis.call(cmd, key_of(id), arg) end
elseif expire_at > 0 then
  redis.call("PEXPIREAT", root, expire_at)
  for id in pairs(touched) do redis.call("PEXPIREAT", key_of(id), expire_at) end
end

-- Exactly once: the last batch of this client, and the results of recent ones.
local aliases = {}
for from, to in pairs(used) do aliases[#aliases + 1] = from; aliases[#aliases + 1] = to end
if #results > 0 or #created > 0 or skipped > 0 or recent then
  local keep = remembered()
  local out, any = {}, false
  -- A batch the client has the reply of is never sent again: its results can go.
  -- (A client that does not say keeps results for its last WINDOW batches.)
  local acked = tonumber(ARGV[16] or "") or (bseq - WINDOW)
  for s, v in pairs(keep) do
    if tonumber(s) > acked then out[s] = v; any = true end
  end
  if #results > 0 or #created > 0 or skipped > 0 then out[tostring(bseq)] = {results, created, skipped}; any = true end
  if any then redis.call("HSET", meta, "r:" .. client, cjson.encode(out))
  else redis.call("HDEL", meta, "r:" .. client) end
end
redis.call("HSET", meta, "c:" .. client, bseq, "schema", ARGV[8])
local seq = redis.call("HINCRBY", meta, "seq", 1)

-- ---- the change log and the live feed ------------------------------------
-- Log and feed never fail the batch: it is applied by now.
local now = redis.pcall("TIME")
local now_ms = type(now) == "table" and now.err == nil and (tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)) or nil
local whole = skipped == 0 and not bulk and #ARGV[7] <= tonumber(ARGV[11])
local rtext = #results > 0 and cjson.encode(results) or nil
local entry
local fields_out = {"s", seq, "e", epoch, "c", client, "b", bseq}
if whole then
  fields_out[#fields_out + 1] = "o"; fields_out[#fields_out + 1] = ARGV[7]
  if rtext then fields_out[#fields_out + 1] = "r"; fields_out[#fields_out + 1] = rtext end
  if #aliases > 0 then fields_out[#fields_out + 1] = "a"; fields_out[#fields_out + 1] = cjson.encode(aliases) end
else
  local ids, seen = {}, {}
  for _, op in ipairs(ops) do
    local tid = resolve(op[2])
    if not seen[tid] then seen[tid] = true; ids[#ids + 1] = tid end
  end
  fields_out[#fields_out + 1] = "i"; fields_out[#fields_out + 1] = cjson.encode(ids)
end
-- The log is for replicas catching up: with no other subscription to hear the batch, no
-- replica can have missed it (one that starts listening loads after it, one whose
-- connection dropped finds the seq moved past the log and reloads), so the log keeps
-- no entries. The entry is still added, then trimmed: its id orders the batch (a
-- replica compares ids to tell a rewind from a batch it has), and an empty stream costs
-- a few hundred bytes against ~4.7 KB from its first entry kept.
local own = tonumber(ARGV[15] or "-1") or -1
local keep = ARGV[9]
if own >= 0 then
  local n = redis.pcall("PUBSUB", "NUMSUB", log)
  if type(n) == "table" and n.err == nil and (tonumber(n[2]) or 0) <= own then keep = "0" end
end
local added = redis.pcall("XADD", log, "MAXLEN", "=", keep, "*", unpack(fields_out))
if type(added) == "string" then
  entry = added
  local age = tonumber(ARGV[10])
  if age > 0 then
    if now_ms then redis.pcall("XTRIM", log, "MINID", tostring(now_ms - age)) end
    redis.pcall("PEXPIRE", log, age)
  end
else
  entry = "0-0"
end
-- Live replicas get every batch whole (the log keeps large ones as container ids).
local payload = '{"s":' .. seq .. ',"e":"' .. epoch .. '","c":"' .. client .. '","b":' .. bseq .. ',"id":"' .. entry .. '","x":' .. redis.call("PEXPIRETIME", meta)
if whole or (skipped == 0 and not bulk) then
  payload = payload .. ',"o":' .. ARGV[7]
  if rtext then payload = payload .. ',"r":' .. rtext end
  if #aliases > 0 then payload = payload .. ',"a":' .. cjson.encode(aliases) end
else
  -- Too large to send whole (or a skipped default): replicas reload what it touched.
  payload = payload .. ',"i":' .. (fields_out[#fields_out] or "[]")
end
redis.pcall("PUBLISH", log, payload .. "}")

-- The staged values are RPUSHed onto the list under the staging key's name, next in the MULTI.
if staged_key then
  if redis.call("EXISTS", staged_key) == 1 then redis.call("RENAME", staged_key, stage) else redis.call("DEL", stage) end
  redis.call("HSET", meta, "p:" .. client, bseq)
end

return {seq, entry, skipped, results, aliases, garbage, epoch, redis.call("PEXPIRETIME", meta)}
