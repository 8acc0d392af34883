-- Applies one batch of a store instance's writes, all or nothing, exactly once, in
-- its client's order, and appends it to the instance's change log.
-- KEYS[1] ns:root   KEYS[2] ns:meta   KEYS[3] ns:log
-- KEYS[4..] ns:n:<id> of every container the batch may read or write (a key the
--           script finds it needs and was not given is asked for: RMKEYS), each with
--           its order record ns:o:<id> (ns:o: for the root; see "dict key order"), and
--           the staging key of a staged push
-- ARGV[1] the header's fixed fields: a JSON object (runtime/protocol/batch.ts, BatchHeader),
--         the same text for every batch of a client and instance (read as H.<name>)
-- ARGV[2] the header's fields of this batch: seq, prev, readAt, stage, own, acked, paths (V.<name>)
-- ARGV[3] the operations, JSON (runtime/ops.ts; one row of OPS below per operation)
-- ARGV[4..] the values of push/unshift ops whose values field is then their count
-- Replies one JSON object (runtime/protocol/batch.ts, BatchReply), or a refusal
-- "RM<KIND> <key> <reason>" that wrote nothing.
--
-- All or nothing by construction: Lua keeps the writes a script made before an error,
-- so the check pass clears everything the apply pass will use before the first write:
-- every argument (indexes are integers in range), every key type, ns:meta's counters,
-- the subtrees it deletes, and the caller's permission for every command the apply pass
-- runs (run() refuses a command the check pass did not clear).
--
-- meta fields: format, epoch, seq, schema, v (the highest schema version that wrote the
-- instance), vmin (the lowest schema version that may still write it), x (when every key
-- expires, ms), n:<id> = container flags (runtime/protocol/registry.ts),
-- c:<client> = last batch applied, r:<client> = recent results (JSON), g:<id> = garbage,
-- p:<client> = a staged push's mark (runtime/lua/staged.lua).
--
-- Two ways to run (runtime/scripts.ts wraps this file): as a Redis Function library,
-- whose body runs once when it is loaded and each FCALL runs only `main`, or as an EVAL
-- script that ends with `return main(KEYS, ARGV)`. So the file's top level only defines:
-- constants, helpers, the operations' rows, and the per-call state as top-level locals
-- that `begin` (the first phase of `main`) sets afresh for every call. Each phase is a
-- function of its own (Lua allows a function 60 upvalues); one that returns a value
-- ends the call with it.
local FIRST_VALUE = 4
local FORMAT = "2"
-- Results remembered per client: at least the batches it can have in flight.
local WINDOW = 32
-- RPUSH/LPUSH/HSET take at most a few thousand arguments at a time from Lua (unpack()).
local CHUNK = 4000

-- ---- per-call state -------------------------------------------------------------
local KEYS, ARGV
local root, meta, log, H, V, OPS_TEXT, ns, client, bseq, prev
local declared, key_cache
local need, needed
local cleared, to_check
local ops
local meta_fields, prefetched, m, format, epoch, iseq, marker, recent, xfield, schema, iv, ivmin
local expire_at, creating, remembered, nv, nvmin, stage, staged, cursor
local flags, stored_flags, alias, used, created, kinds, lens, fresh, hlens, fields, emptied
local grown, shrunk, recreated, planned_skips, has_incr, wanted, loaded, sim, checked
local touched, garbage, appended, pending_key, pending_fv, results, skipped, dropped_out, staged_key, ordering
local ttl, now, refresh, new_at, registered, records, log_first, history
local aliases, seq, logged_whole, entry, kept

local function key_of(id)
  local k = key_cache[id]
  if not k then k = ns .. ":n:" .. id; key_cache[id] = k end
  return k
end

-- Keys the checks found they need and were not given (asked for with RMKEYS): need, needed.
local function refuse(kind, k, msg)
  -- A check made while keys are missing (an op on a container a skipped promote makes)
  -- may refuse wrongly: ask for them first; the batch comes back and is checked whole.
  if #need > 0 then return redis.error_reply("RMKEYS " .. table.concat(need, " ")) end
  return redis.error_reply("RM" .. kind .. " " .. k .. " " .. msg)
end
local function ask(id)
  if not needed[id] then
    needed[id] = true
    need[#need + 1] = id
  end
end

-- ---- permissions ------------------------------------------------------------
-- Every command the apply pass runs is cleared first (command, key); the caller's ACL
-- is asked for each before the first write (redis.acl_check_cmd), with arguments of
-- the command's shape.
local SHAPE = {
  HSET = {"f", "v"}, HGET = {"f"}, HDEL = {"f"}, HEXISTS = {"f"}, HINCRBY = {"f", "1"},
  HVALS = {}, HKEYS = {}, RPUSH = {"v"}, LPUSH = {"v"}, LSET = {"0", "v"}, LINDEX = {"0"}, LRANGE = {"0", "-1"},
  LTRIM = {"0", "-1"}, RPOP = {"1"}, LPOP = {"1"}, DEL = {}, TYPE = {}, EXISTS = {}, PEXPIRE = {"1"},
  PEXPIREAT = {"1"}, PEXPIRETIME = {}, PTTL = {}, XADD = {"MAXLEN", "=", "0", "*", "d", "v"}, XTRIM = {"MINID", "0"},
  PUBLISH = {"m"}, PERSIST = {}, SET = {"v"}, APPEND = {"v"}, GET = {},
}
-- cleared: command -> key -> true; to_check: what may_run_all asks the ACL (command, key,
-- arguments, flat).
local function clear(cmd, k, ...)
  local by = cleared[cmd]
  if not by then by = {}; cleared[cmd] = by end
  if by[k] then return end
  by[k] = true
  local n = #to_check
  to_check[n + 1] = cmd
  to_check[n + 2] = k
  to_check[n + 3] = select("#", ...) > 0 and {...} or SHAPE[cmd]
end
local function run(cmd, k, ...)
  local by = cleared[cmd]
  if not by or not by[k] then error("apply.lua: " .. cmd .. " " .. k .. " runs without having been cleared") end
  return redis.call(cmd, k, ...)
end
local function may_run_all()
  for i = 1, #to_check, 3 do
    local cmd, k = to_check[i], to_check[i + 1]
    if not redis.acl_check_cmd(cmd, k, unpack(to_check[i + 2])) then return cmd .. " " .. k end
  end
  return nil
end

-- ---- arguments -----------------------------------------------------------------
local function is_count(x) return type(x) == "number" and x >= 0 and x < 2^53 and math.floor(x) == x end
local function is_str(x) return type(x) == "string" end
local function are_strs(t)
  if type(t) ~= "table" then return false end
  for i = 1, #t do if type(t[i]) ~= "string" then return false end end
  return true
end
-- A container id (client-made, base62); "" is the root.
local function is_id(x) return type(x) == "string" and #x <= 64 and string.match(x, "^[%w]*$") ~= nil end
-- JSON number text, the form a stored number has.
local function is_json_number(s)
  if type(s) ~= "string" or #s > 400 then return false end
  local p = 1
  if string.sub(s, 1, 1) == "-" then p = 2 end
  local int = string.match(s, "^%d+", p)
  if not int or (#int > 1 and string.sub(int, 1, 1) == "0") then return false end
  p = p + #int
  local frac = string.match(s, "^%.%d+", p)
  if frac then p = p + #frac end
  local exp = string.match(s, "^[eE][%+%-]?%d+", p)
  if exp then p = p + #exp end
  return p == #s + 1
end
-- An integer HINCRBY reads (no sign on 0, no leading zeros) within doubles' exact range.
local function is_exact_int(s) return (s == "0" or string.match(s, "^%-?[1-9]%d*$") ~= nil) and #s <= 16 end
-- A counter of ns:meta: a non-negative integer the next increments cannot overflow (and
-- that the client reads exactly).
local function is_counter(s) return s == "0" or (string.match(s, "^[1-9]%d*$") ~= nil and #s <= 15) end

-- Decoded fixed headers by their text, kept from call to call by the library (an EVAL
-- script makes it afresh each time): a client's awaited writes send the same text, and
-- decoding it was the largest single cost of a small batch. Never written to: a header
-- table is shared by every call of that text. Bounded: emptied at HEADERS entries.
local HEADERS = 1000
local headers, header_count = {}, 0
local function fixed_header(text)
  local h = headers[text]
  if h == nil then
    h = cjson.decode(text)
    if header_count >= HEADERS then headers, header_count = {}, 0 end
    headers[text] = h
    header_count = header_count + 1
  end
  return h
end

-- The call's state, afresh; its header and operations, decoded.
local function begin(keys, argv)
  KEYS, ARGV = keys, argv
  root, meta, log = KEYS[1], KEYS[2], KEYS[3]
  H = fixed_header(ARGV[1])
  V = cjson.decode(ARGV[2])
  OPS_TEXT = ARGV[3]
  ns, client, bseq, prev = H.ns, H.client, V.seq, V.prev
  declared = {}
  for i = 4, #KEYS do declared[KEYS[i]] = true end
  key_cache = {[""] = root}
  need, needed = {}, {}
  cleared, to_check = {}, {}
  local decoded
  decoded, ops = pcall(cjson.decode, OPS_TEXT)
  if not decoded or type(ops) ~= "table" then return refuse("ARGS", meta, "the batch's operations are not JSON") end
  for i = 1, #ops do
    local op = ops[i]
    if type(op) ~= "table" or not is_str(op[1]) or not is_id(op[2]) then return refuse("ARGS", meta, "operation " .. i .. " is not an operation") end
  end
  return nil
end

-- ---- the instance: format, epoch, counters --------------------------------
-- The reply (runtime/protocol/batch.ts, BatchReply), written directly: an empty list is
-- left out (the client reads it as []), so that a batch without results encodes no table.
local function reply_of(status, seq_text, entry_id, expire_text, skip, incrs, al, gb, dr)
  local parts = {'{"status":"', status, '","seq":"', seq_text, '","entry":', cjson.encode(entry_id),
    ',"epoch":', cjson.encode(epoch), ',"expireAt":"', expire_text, '","skipped":', string.format("%d", skip)}
  if #incrs > 0 then parts[#parts + 1] = ',"incrs":' .. cjson.encode(incrs) end
  if #al > 0 then parts[#parts + 1] = ',"aliases":' .. cjson.encode(al) end
  if #gb > 0 then parts[#parts + 1] = ',"garbage":' .. cjson.encode(gb) end
  if #dr > 0 then parts[#parts + 1] = ',"dropped":' .. cjson.encode(dr) end
  parts[#parts + 1] = "}"
  return table.concat(parts)
end
-- An instance expired by an older version of this library has key expiries but no x.
local function expiry() if expire_at > 0 then return expire_at end return redis.call("PEXPIRETIME", meta) end

-- Phase: the instance (ns:meta), exactly once and in order, the batch's values.
local function instance()
  -- One read of ns:meta: the instance's fields and the registry flags of the containers
  -- the operations name (the first few; others are read when a check needs them).
  local PREFETCH = 32
  meta_fields = {"format", "epoch", "seq", "c:" .. client, "r:" .. client, "x", "schema", "v", "vmin"}
  prefetched = {}
  for _, op in ipairs(ops) do
    if #prefetched >= PREFETCH then break end
    if not prefetched[op[2]] then
      prefetched[op[2]] = #meta_fields + 1
      prefetched[#prefetched + 1] = op[2]
      meta_fields[#meta_fields + 1] = "n:" .. op[2]
    end
  end
  m = redis.pcall("HMGET", meta, unpack(meta_fields))
  if m.err then return refuse("CORRUPT", meta, "cannot be read as a hash (" .. m.err .. ")") end
  format, epoch, iseq, marker, recent, xfield, schema = m[1], m[2], m[3], m[4], m[5], m[6], m[7]
  -- Schema versions (runtime/migrate.ts): an instance written before versions is at 1.
  iv, ivmin = tonumber(m[8] or "1"), tonumber(m[9] or "1")
  if not iv or not ivmin then return refuse("CORRUPT", meta, "fields v/vmin are not schema versions") end
  if format and format ~= FORMAT then
    return refuse("FORMAT", meta, "has format " .. format .. ", this library writes format " .. FORMAT)
  end
  if iseq and not is_counter(iseq) then return refuse("CORRUPT", meta, "field seq holds " .. string.sub(iseq, 1, 40) .. ", not a counter") end
  if marker and not is_counter(marker) then return refuse("CORRUPT", meta, "field c:" .. client .. " holds " .. string.sub(marker, 1, 40) .. ", not a counter") end
  -- x: when every key of the instance expires (ms), set by the stores opened with `ttl`.
  if xfield and not is_counter(xfield) then return refuse("CORRUPT", meta, "field x holds " .. string.sub(xfield, 1, 40) .. ", not a time") end
  expire_at = xfield and tonumber(xfield) or -1
  creating = false
  if H.epoch == "" then
    if not epoch then
      if redis.call("EXISTS", root) == 1 then return refuse("EVICTED", meta, "is missing while ns:root exists") end
      creating = true
      epoch = H.newEpoch
    end
  elseif epoch ~= H.epoch then
    return refuse("EPOCH", meta, "instance epoch is " .. (epoch and ("\"" .. epoch .. "\"") or "missing (the instance was deleted or expired)") .. ", the batch was made for \"" .. H.epoch .. "\"")
  end

  -- Recent results: {[seq] = {incr results, created aliases, skipped setnx}}.
  remembered = {}
  if recent then
    local ok, r = pcall(cjson.decode, recent)
    local valid = ok and type(r) == "table"
    if valid then
      for s, v in pairs(r) do
        if not tonumber(s) or type(v) ~= "table" or type(v[1] or {}) ~= "table" or type(v[2] or {}) ~= "table" then valid = false end
      end
    end
    if not valid then return refuse("CORRUPT", meta, "field r:" .. client .. " holds " .. string.sub(recent, 1, 40) .. ", not results") end
    remembered = r
  end

  -- ---- exactly once, in the client's order -----------------------------------
  marker = tonumber(marker or "0")
  if bseq <= marker then
    local r = remembered[tostring(bseq)] or {}
    return reply_of("dup", "0", "", tostring(expiry()), r[3] or 0, r[1] or {}, r[2] or {}, {}, {})
  end
  if marker ~= prev then return refuse("WAIT", meta, "batch " .. bseq .. " follows " .. prev .. ", last applied " .. marker) end
  -- An old writer never writes over a newer shape; a writer whose migrations have not run
  -- on the instance never writes its shape over an older one (the migration batch itself,
  -- H.from, is the exception).
  if not creating and ivmin > H.version then
    return refuse("VERSION", meta, "instance requires schema version >= " .. ivmin .. ", this writer has version " .. H.version)
  end
  if not creating and H.from == 0 and iv < H.vmin then
    return refuse("VERSION", meta, "instance is at schema version " .. iv .. ", this writer needs >= " .. H.vmin .. " (open() migrates it)")
  end
  -- The versions the instance holds after this batch (written to ns:meta with the book).
  nv, nvmin = math.max(creating and 0 or iv, H.version), math.max(creating and 0 or ivmin, H.vmin)
  if H.from ~= 0 and iv ~= H.from then
    return refuse("STALE", meta, "was migrated by another writer (version " .. iv .. ", the migration read " .. H.from .. ")")
  end
  -- A transaction applies only if nothing was written since it read.
  if V.readAt ~= "" and (iseq or "0") ~= V.readAt then
    return refuse("STALE", meta, "was written by another writer since the transaction read it (seq " .. (iseq or "0") .. ", read at " .. V.readAt .. ")")
  end
  -- A large batch sends the values of its pushes as arguments of their own (ARGV[3..]),
  -- not as JSON strings inside the operations: a push op then holds their count.
  -- A staged push (its values never enter the script) is the batch's last op.
  stage = V.stage
  staged = nil
  if stage ~= "" then
    staged = ops[#ops]
    if not staged or staged[1] ~= "push" or not is_count(staged[3]) or not declared[stage] then
      return refuse("ARGS", stage, "a staged batch must end with a push of counted values, and declare its staging key")
    end
    staged.count = staged[3]
    staged.staged = true
    staged.origin = staged[2]
    staged[3] = {}
  end
  cursor = FIRST_VALUE - 1
  for _, op in ipairs(ops) do
    if (op[1] == "push" or op[1] == "unshift") and type(op[3]) == "number" and not op.staged then
      if not is_count(op[3]) or cursor + op[3] > #ARGV then return refuse("ARGS", meta, "a counted " .. op[1] .. " names more values than the batch carries") end
      if op[1] == "push" then
        -- Pushed straight from ARGV (no copy): op.range names the slice.
        op.range = {cursor + 1, cursor + op[3]}
        op.count = op[3]
        op[3] = {}
      else
        local values = {}
        for i = 1, op[3] do values[i] = ARGV[cursor + i] end
        op[3] = values
      end
      cursor = cursor + (op.count or #op[3])
    end
  end
  if cursor ~= #ARGV then return refuse("ARGS", meta, "the batch carries values no operation counts") end
  return nil
end

-- ---- what the checks know of the keys --------------------------------------
-- Containers are registered in meta (n:<id>): kind "l"/"d", then "1" when the key
-- should exist (not empty), then "r" when it may hold references, then ":" and the
-- start of the SHA-1 of the inline text it was promoted from.
-- stored_flags: the flags as ns:meta holds them (the registry is written back only where they changed).
local function flags_of(id)
  local f = flags[id]
  if f == nil then
    f = redis.call("HGET", meta, "n:" .. id) or false
    flags[id] = f
    stored_flags[id] = f
  end
  return f
end
-- Promotes that found their element already a container (another writer's): the
-- client's id -> that container's id, for this batch and the client's next ones
-- (remembered with the results until the client has learnt them).
local function resolve(id)
  local to = alias[id]
  if to then used[id] = to; return to end
  return id
end
-- kinds, lens: a key's type and length as known; fresh: keys the batch creates; hlens: the
-- field count of a dict's hash at this point of the batch (runtime order records).
local function kind_of(k)
  local t = kinds[k]
  if t == nil then
    t = redis.call("TYPE", k).ok
    kinds[k] = t
  end
  return t
end
-- What the batch does to each key's existence: the registry's "exists" flag and the
-- expiry of keys it creates follow from it without asking Redis again.
local function grow(k)
  if kinds[k] == "none" or emptied[k] or fresh[k] then recreated[k] = true end
  grown[k] = true
end
-- planned_skips: setnx operations that find their field set (known exactly by the checks).
-- The fields the batch's key operations read, per key: read with one HMGET per key (in
-- chunks) the first time a check needs one of them, instead of one HGET each.
local FIELD_OPS = {set = true, setnx = true, del = true, incr = true}
-- wanted: the fields the batch's key operations read, per key (set by reset); loaded: those read.
local function load_fields(k)
  local got = {}
  local w = wanted[k]
  if w and w.n > 1 then
    for i = 1, w.n, CHUNK do
      local part = {}
      for j = i, math.min(i + CHUNK - 1, w.n) do part[#part + 1] = w.list[j] end
      local values = redis.call("HMGET", k, unpack(part))
      for j, f in ipairs(part) do got[f] = values[j] end
    end
  end
  loaded[k] = got
  return got
end
local function field_of(k, f)
  local v = fields[k .. "\0" .. f]
  if v ~= nil then return v end
  if emptied[k] or fresh[k] then return false end
  local got = loaded[k] or load_fields(k)
  v = got[f]
  if v == nil then return redis.call("HGET", k, f) end
  return v
end
-- The type of a key the batch writes into, read with its length when the kind is
-- expected (LLEN/HLEN answer both: one command instead of TYPE and LLEN).
local function probe(k, want)
  if kinds[k] ~= nil then return kinds[k] end
  local cmd = (want == "list" and "LLEN") or (want == "hash" and "HLEN") or nil
  if not cmd then return kind_of(k) end
  local n = redis.pcall(cmd, k)
  if type(n) ~= "number" then return kind_of(k) end
  kinds[k] = n == 0 and "none" or want
  if want == "list" then lens[k] = n else hlens[k] = n end
  return kinds[k]
end
local function len_of(k)
  local n = lens[k]
  if n == nil then
    if fresh[k] or kind_of(k) == "none" then n = 0 else n = redis.call("LLEN", k) end
    lens[k] = n
  end
  return n
end
local function may_hold_refs(id)
  if id == "" then return true end
  local f = flags_of(id)
  return f and string.sub(f, 3, 3) == "r"
end

-- A container the batch writes into: declared, registered, of its kind, not evicted.
local function target(id, want)
  local k = key_of(id)
  if id ~= "" and not declared[k] then ask(id); return k, nil end
  if fresh[k] then return k, nil end
  local t = probe(k, want)
  if id == "" then
    if t ~= "none" and t ~= "hash" then return k, "holds a " .. t .. ", expected a hash" end
    if want == "list" then return k, "is the root hash, not a list" end
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

-- A list whose elements the batch reads by index after other ops of the batch moved
-- them: its contents, simulated through the batch (the rare case; see plan_simulation).
local function simulated(k)
  local s = sim[k]
  if s == false then
    s = fresh[k] and {} or redis.call("LRANGE", k, 0, -1)
    sim[k] = s
  end
  return s
end
local function values_of(op)
  if op.range then
    local out = {}
    for i = op.range[1], op.range[2] do out[#out + 1] = ARGV[i] end
    return out
  end
  return op[3]
end

-- A subtree the batch will delete: every key of it declared (asked for otherwise) and
-- of the kind its reference names, so that deleting it cannot fail half-way; the
-- commands that delete it are cleared.
local function check_subtree(ref)
  local stack = {ref}
  while #stack > 0 do
    local r = table.remove(stack)
    local id, kind = string.sub(r, 4), string.sub(r, 2, 2)
    if #id > 0 and string.sub(r, 3, 3) == ":" and not checked[id] then
      checked[id] = true
      local k = key_of(id)
      if not declared[k] then
        ask(id)
      else
        if not fresh[k] then
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
  end
  return nil
end
local function check_refs(values)
  for _, v in ipairs(values) do
    if v and string.byte(v, 1) == 64 then
      clear("HSET", meta)
      local err = check_subtree(v)
      if err then return err end
    end
  end
  return nil
end
-- The elements a list op removes, as the server holds them at that point of the batch.
local function removed_by(k, op)
  local name = op[1]
  if sim[k] ~= nil then
    local s, out = simulated(k), {}
    local from, to
    if name == "lset" then from, to = op[3] + 1, op[3] + 1
    elseif name == "pop" then from, to = #s - op[3] + 1, #s
    elseif name == "shift" then from, to = 1, op[3]
    elseif name == "splice" then from, to = op[3] + 1, op[3] + op[4]
    elseif name == "keep" then from, to = 1, #s - op[3]
    else from, to = 1, #s end
    for i = math.max(from, 1), math.min(to, #s) do out[#out + 1] = s[i] end
    return out
  end
  if fresh[k] or kind_of(k) ~= "list" then return {} end
  if name == "lset" then return {redis.call("LINDEX", k, op[3])}
  elseif name == "pop" then
    if op[3] == 0 then return {} end
    return redis.call("LRANGE", k, -op[3], -1)
  elseif name == "shift" then
    if op[3] == 0 then return {} end
    return redis.call("LRANGE", k, 0, op[3] - 1)
  elseif name == "splice" then
    if op[4] == 0 then return {} end
    return redis.call("LRANGE", k, op[3], op[3] + op[4] - 1)
  elseif name == "keep" then
    local excess = len_of(k) - op[3]
    if excess <= 0 then return {} end
    return redis.call("LRANGE", k, 0, excess - 1)
  end
  return redis.call("LRANGE", k, 0, -1)
end
-- A list op's checks: its target, the subtrees it deletes, its indexes against the
-- length the list has at that point of the batch.
local MOVES = {push = true, unshift = true, lset = true, pop = true, shift = true, splice = true, replace = true, clear = true, keep = true}
local REMOVES = {lset = true, pop = true, shift = true, splice = true, replace = true, clear = true, keep = true}
local function check_list(op, id, k, delta)
  if REMOVES[op[1]] and may_hold_refs(id) then
    local err = check_refs(removed_by(k, op))
    if err then return refuse("CONFLICT", err, "(in a subtree the batch deletes)") end
  end
  local n = len_of(k)
  local next_n, err = delta(n)
  if err then return refuse("CONFLICT", k, err) end
  lens[k] = next_n
  -- A list that was empty, or that the op deletes and writes again, is created by it.
  if next_n > 0 and (n == 0 or op[1] == "replace" or (op[1] == "splice" and op[3] == 0)) then recreated[k] = true end
  return nil
end

-- ---- the operations ----------------------------------------------------------
-- Deletes a referenced container and everything below it that the batch declared;
-- a key it was not given is unregistered now (unreachable) and collected later.
-- appended: dict order records' keys to append, per record key (see "dict key order").
local function drop(ref)
  local stack = {ref}
  while #stack > 0 do
    local r = table.remove(stack)
    local id = string.sub(r, 4)
    local k = key_of(id)
    -- A malformed reference names no container: there is nothing to delete.
    if #id > 0 and string.sub(r, 3, 3) == ":" then
      run("HDEL", meta, "n:" .. id)
      flags[id] = false
      touched[id] = nil
      if declared[k] then
        local t = run("TYPE", k).ok
        local children = {}
        if t == "list" then children = run("LRANGE", k, 0, -1)
        elseif t == "hash" then children = run("HVALS", k) end
        for _, v in ipairs(children) do
          if string.byte(v, 1) == 64 then stack[#stack + 1] = v end
        end
        -- A dict's order record goes with it (declared with it: runtime/protocol/batch.ts).
        if t == "hash" and declared[ns .. ":o:" .. id] then
          appended[ns .. ":o:" .. id] = nil
          run("DEL", k, ns .. ":o:" .. id)
        else
          run("DEL", k)
        end
      else
        run("HSET", meta, "g:" .. id, string.sub(r, 2, 2))
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
local function push_all(cmd, k, values, first, last)
  local i = first
  while i <= last do
    local j = math.min(i + CHUNK - 1, last)
    run(cmd, k, unpack(values, i, j))
    i = j + 1
  end
end
local function hset_all(k, fv)
  local i = 1
  while i <= #fv do
    local j = math.min(i + CHUNK - 1, #fv)
    if (j - i) % 2 == 0 then j = j - 1 end
    run("HSET", k, unpack(fv, i, j))
    i = j + 1
  end
end

-- Key writes waiting to go as one HSET: of key `pending_key`, field-value pairs `pending_fv`.
local function hset_flush()
  if pending_key then hset_all(pending_key, pending_fv) end
  pending_key, pending_fv = nil, {}
end
local function hset_later(k, f, v)
  if pending_key ~= k then hset_flush(); pending_key = k end
  pending_fv[#pending_fv + 1] = f
  pending_fv[#pending_fv + 1] = v
end
-- results, skipped; dropped_out (retention): {operation index (from 0), the values its keep dropped}; staged_key.

-- ---- dict key order ------------------------------------------------------------
-- Redis keeps a hash's insertion order only while it is listpack-encoded (at most 128
-- fields, every field and value at most 64 bytes: hash-max-listpack-* at their
-- defaults); HGETALL of a hashtable answers another order. Once a dict's hash may be a
-- hashtable, the batches keep its order in ns:o:<id> (runtime/protocol/order.ts): the
-- JSON text of each key followed by ",", in the order Redis applied the writes. It
-- starts as the keys the hash held then (still its insertion order), and each new key
-- is appended (one APPEND per dict and batch); a key deleted and written again
-- appears again (its last place counts), a deleted one is skipped when read. The dict's registry flags say it
-- has one ("o" and the number of its entries whose key was deleted since it was last
-- written whole, runtime/protocol/registry.ts), so a small dict costs nothing; the
-- record is rewritten without them once they outnumber the keys (amortised O(1) per
-- delete; a dict that only grows is never rewritten).
local LISTPACK_ENTRIES, LISTPACK_VALUE = 128, 64
local function order_key(id) return ns .. ":o:" .. id end
-- The record's entries of deleted keys, or nil when the dict has none.
local function order_of(id)
  local f = flags_of(id)
  local o = f and string.match(f, "^[ld][01]r?o(%d+)")
  return o and tonumber(o) or nil
end
-- Flags with `n` entries of deleted keys (nil: without a record).
local function with_order(f, n)
  local head, tail = string.match(f or "d0", "^([ld][01]r?)o?%d*(.*)$")
  if not head then return f end
  return head .. (n and ("o" .. n) or "") .. tail
end
local function hlen_of(k)
  local n = hlens[k]
  if n == nil then
    if fresh[k] or emptied[k] or kind_of(k) == "none" then n = 0
    else
      -- A user without HLEN (docs/guides/acl.md) still has HKEYS.
      n = redis.pcall("HLEN", k)
      if type(n) ~= "number" then n = #redis.call("HKEYS", k) end
    end
    hlens[k] = n
  end
  return n
end
-- Whether the dict has a record at this point of the batch.
local function is_ordering(id)
  if ordering[id] == nil then ordering[id] = order_of(id) ~= nil end
  return ordering[id]
end
-- Plans what a write of `field` (= `value`, new or not) does to the order record;
-- called by the check of each op that writes a field, at that point of the batch.
local function plan_order(op, id, k, field, value, new)
  local n = hlen_of(k) + (new and 1 or 0)
  hlens[k] = n
  if is_ordering(id) then
    if new then op.order = "append" end
  elseif n > LISTPACK_ENTRIES or #field > LISTPACK_VALUE or #value > LISTPACK_VALUE then
    ordering[id] = true
    op.order = new and "start+" or "start"
  end
  if not op.order then return end
  local ok = order_key(id)
  if not declared[ok] then ask(id); return end
  if op.order == "append" then clear("APPEND", ok) else clear("HKEYS", k); clear("SET", ok); recreated[ok] = true end
end
-- A deleted key's entry stays until the record is rewritten (OPS.del).
local function plan_unorder(op, id, k)
  if not is_ordering(id) then return end
  op.order = "dead"
  op.live = hlens[k]
  local ok = order_key(id)
  if not declared[ok] then ask(id); return end
  clear("HKEYS", k); clear("SET", ok); clear("GET", ok)
end
-- New keys, appended once per batch (order_flush) or before the record is read.
local function order_flush(ok)
  local parts = appended[ok]
  if parts then
    appended[ok] = nil
    run("APPEND", ok, table.concat(parts))
  end
end
local function record_of(keys)
  local parts = {}
  for i, key in ipairs(keys) do parts[i] = cjson.encode(key) .. "," end
  return table.concat(parts)
end
-- Before the op's write: a record that starts holds the keys in the hash's own order.
local function order_before(op, id, k)
  if op.order ~= "start" and op.order ~= "start+" then return end
  -- The batch's key writes waiting for one HSET are the hash's keys before this one.
  hset_flush()
  local keys = run("HKEYS", k)
  if op.order == "start+" then keys[#keys + 1] = op[3] end
  run("SET", order_key(id), record_of(keys))
  flags[id] = with_order(flags[id], 0)
end
-- After it: a new key goes at the end; after a delete, the record is rewritten once
-- entries of deleted keys outnumber the keys.
local function order_after(op, id, k)
  if op.order == "append" then
    local ok = order_key(id)
    local parts = appended[ok] or {}
    parts[#parts + 1] = cjson.encode(op[3]) .. ","
    appended[ok] = parts
    return
  end
  if op.order ~= "dead" then return end
  local dead = (order_of(id) or 0) + 1
  if dead <= op.live + 64 then flags[id] = with_order(flags[id], dead); return end
  local ok = order_key(id)
  order_flush(ok)
  local read, entries = pcall(cjson.decode, "[" .. string.sub(run("GET", ok) or ",", 1, -2) .. "]")
  local present, kept, seen = {}, {}, {}
  local keys = run("HKEYS", k)
  for _, key in ipairs(keys) do present[key] = true end
  if not read or type(entries) ~= "table" then entries = keys end
  for i = #entries, 1, -1 do
    local key = entries[i]
    if present[key] and not seen[key] then seen[key] = true; kept[#kept + 1] = key end
  end
  local ordered = {}
  for i = #kept, 1, -1 do ordered[#ordered + 1] = kept[i] end
  run("SET", ok, record_of(ordered), "KEEPTTL")
  flags[id] = with_order(flags[id], 0)
end

-- One row per operation of runtime/ops.ts (OP_NAMES; a test checks both name the same).
--   kind:  the container kind it writes into ("list", "hash", or nil: either)
--   args:  whether its arguments have the types apply uses (checked before anything else)
--   check: the checks against what Redis holds, at that point of the batch; clears the
--          commands apply will run; returns a refusal or nil
--   apply: the writes (only commands check cleared, through run())
-- `k` is the container's key, `id` its (resolved) id.
-- A row is made when a call first uses its operation (row_of), and kept: run as an EVAL
-- script the file's body runs on every call, so a batch pays for the closures of the
-- operations it has, not of all of them; loaded as a library, once.
local ROW = {}
local OPS = {}
local function row_of(name)
  local row = OPS[name]
  if row == nil then
    local make = ROW[name]
    if make == nil then return nil end
    row = make()
    OPS[name] = row
  end
  return row
end

local function field_value_args(op) return is_str(op[3]) and is_str(op[4]) end
ROW.set = function() return {
  kind = "hash",
  args = field_value_args,
  check = function(op, id, k)
    -- What the field holds at this point of the batch (apply drops it if it is a reference).
    op.old = field_of(k, op[3])
    local err = check_refs({op.old})
    if err then return refuse("CONFLICT", err, "(in a subtree the batch deletes)") end
    plan_order(op, id, k, op[3], op[4], not op.old)
    fields[k .. "\0" .. op[3]] = op[4]
    grow(k)
    clear("HSET", k)
  end,
  apply = function(op, id, k)
    if op.old and string.byte(op.old, 1) == 64 then drop(op.old) end
    order_before(op, id, k)
    -- Consecutive key writes to one hash go as one HSET (see the apply loop).
    hset_later(k, op[3], op[4])
    order_after(op, id, k)
  end,
} end

ROW.setnx = function() return {
  kind = "hash",
  args = field_value_args,
  check = function(op, id, k)
    if not field_of(k, op[3]) then
      plan_order(op, id, k, op[3], op[4], true)
      fields[k .. "\0" .. op[3]] = op[4]
      grow(k)
    else
      planned_skips = planned_skips + 1
    end
    clear("HEXISTS", k); clear("HSET", k)
  end,
  apply = function(op, id, k)
    if run("HEXISTS", k, op[3]) == 1 then skipped = skipped + 1; return end
    order_before(op, id, k)
    run("HSET", k, op[3], op[4])
    order_after(op, id, k)
  end,
} end

ROW.del = function() return {
  kind = "hash",
  args = function(op) return is_str(op[3]) end,
  check = function(op, id, k)
    op.old = field_of(k, op[3])
    local err = check_refs({op.old})
    if err then return refuse("CONFLICT", err, "(in a subtree the batch deletes)") end
    if op.old then
      hlens[k] = hlen_of(k) - 1
      plan_unorder(op, id, k)
    end
    fields[k .. "\0" .. op[3]] = false
    shrunk[k] = true
    clear("HDEL", k)
  end,
  apply = function(op, id, k)
    if op.old and string.byte(op.old, 1) == 64 then drop(op.old) end
    run("HDEL", k, op[3])
    order_after(op, id, k)
  end,
} end

ROW.clear = function() return {
  kind = nil,
  args = function() return true end,
  check = function(op, id, k)
    if not fresh[k] and kind_of(k) == "hash" then
      local err = check_refs(redis.call("HVALS", k))
      if err then return refuse("CONFLICT", err, "(in a subtree the batch deletes)") end
    elseif not fresh[k] and kind_of(k) == "list" then
      local err = check_list(op, id, k, function() return 0 end)
      if err then return err end
    end
    lens[k] = 0
    hlens[k] = 0
    -- A dict's order record goes with its keys.
    if is_ordering(id) then
      op.unorder = true
      ordering[id] = false
      if not declared[order_key(id)] then ask(id) end
      clear("DEL", order_key(id))
    end
    emptied[k] = true
    shrunk[k] = true
    if sim[k] ~= nil then sim[k] = {} end
    local prefix = k .. "\0"
    for f in pairs(fields) do
      if string.sub(f, 1, #prefix) == prefix then fields[f] = false end
    end
    clear("TYPE", k); clear("LRANGE", k); clear("HVALS", k); clear("DEL", k)
  end,
  apply = function(op, id, k)
    local t = run("TYPE", k).ok
    if may_hold_refs(id) then
      if t == "list" then drop_refs(run("LRANGE", k, 0, -1))
      elseif t == "hash" then drop_refs(run("HVALS", k)) end
    end
    if op.unorder then
      appended[order_key(id)] = nil
      run("DEL", k, order_key(id))
      flags[id] = with_order(flags[id], nil)
    else
      run("DEL", k)
    end
  end,
} end

ROW.push = function() return {
  kind = "list",
  args = function(op) return op.range ~= nil or op.staged or are_strs(op[3]) end,
  check = function(op, id, k)
    local count = op.count or #op[3]
    local err = check_list(op, id, k, function(n) return n + count end)
    if err then return err end
    -- A staged push is the last op: nothing after it reads the simulation.
    if sim[k] ~= nil and not op.staged then
      local s = simulated(k)
      for _, v in ipairs(values_of(op)) do s[#s + 1] = v end
    end
    if not op.staged then clear("RPUSH", k) end
  end,
  apply = function(op, id, k)
    if op.staged then staged_key = k
    elseif op.range then push_all("RPUSH", k, ARGV, op.range[1], op.range[2])
    else push_all("RPUSH", k, op[3], 1, #op[3]) end
  end,
} end

ROW.unshift = function() return {
  kind = "list",
  args = function(op) return are_strs(op[3]) end,
  check = function(op, id, k)
    local err = check_list(op, id, k, function(n) return n + #op[3] end)
    if err then return err end
    if sim[k] ~= nil then
      local s = simulated(k)
      for i = #op[3], 1, -1 do table.insert(s, 1, op[3][i]) end
    end
    clear("LPUSH", k)
  end,
  apply = function(op, id, k)
    local values = {}
    for i = #op[3], 1, -1 do values[#values + 1] = op[3][i] end
    push_all("LPUSH", k, values, 1, #values)
  end,
} end

ROW.lset = function() return {
  kind = "list",
  args = function(op) return is_count(op[3]) and is_str(op[4]) end,
  check = function(op, id, k)
    local err = check_list(op, id, k, function(n)
      if op[3] >= n then return n, "index " .. op[3] .. " out of range (length " .. n .. ")" end
      return n
    end)
    if err then return err end
    if sim[k] ~= nil then simulated(k)[op[3] + 1] = op[4] end
    clear("LINDEX", k); clear("LSET", k)
  end,
  apply = function(op, id, k)
    if may_hold_refs(id) then
      local old = run("LINDEX", k, op[3])
      if old and string.byte(old, 1) == 64 then drop(old) end
    end
    run("LSET", k, op[3], op[4])
  end,
} end

local function pop_row(cmd, from_end)
  return {
    kind = "list",
    args = function(op) return is_count(op[3]) end,
    check = function(op, id, k)
      local err = check_list(op, id, k, function(n) return math.max(n - op[3], 0) end)
      if err then return err end
      if sim[k] ~= nil then
        local s = simulated(k)
        for _ = 1, math.min(op[3], #s) do table.remove(s, from_end and #s or 1) end
      end
      if op[3] > 0 then clear(cmd, k) end
    end,
    apply = function(op, id, k)
      if op[3] == 0 then return end
      local popped = run(cmd, k, op[3])
      if popped and may_hold_refs(id) then drop_refs(popped) end
    end,
  }
end
ROW.pop = function() return pop_row("RPOP", true) end
ROW.shift = function() return pop_row("LPOP", false) end

-- Retention (keepLast): the list keeps its last op[3] elements; the excess, counted
-- at this point of the batch, leaves from the front.
ROW.keep = function() return {
  kind = "list",
  args = function(op) return is_count(op[3]) end,
  check = function(op, id, k)
    op.excess = 0
    local err = check_list(op, id, k, function(n)
      op.excess = math.max(n - op[3], 0)
      return n - op.excess
    end)
    if err then return err end
    if sim[k] ~= nil then
      local s = simulated(k)
      for _ = 1, op.excess do table.remove(s, 1) end
    end
    if op.excess > 0 then clear("LPOP", k) end
  end,
  apply = function(op, id, k)
    if op.excess == 0 then return end
    local popped = run("LPOP", k, op.excess)
    if popped then
      -- The reply tells the writer what left (its replica could only guess under concurrency).
      dropped_out[#dropped_out + 1] = {op.i - 1, popped}
      if may_hold_refs(id) then drop_refs(popped) end
    end
  end,
} end

ROW.splice = function() return {
  kind = "list",
  args = function(op) return is_count(op[3]) and is_count(op[4]) and are_strs(op[5]) end,
  check = function(op, id, k)
    local err = check_list(op, id, k, function(n)
      if op[3] > n then return n, "splice start " .. op[3] .. " out of range (length " .. n .. ")" end
      return n - math.min(op[4], n - op[3]) + #op[5]
    end)
    if err then return err end
    if sim[k] ~= nil then
      local s = simulated(k)
      for _ = 1, math.min(op[4], #s - op[3]) do table.remove(s, op[3] + 1) end
      for i, v in ipairs(op[5]) do table.insert(s, op[3] + i, v) end
    end
    clear("LRANGE", k); clear("DEL", k); clear("LTRIM", k); clear("RPUSH", k)
  end,
  apply = function(op, id, k)
    local start, count, values = op[3], op[4], op[5]
    local tail = run("LRANGE", k, start, -1)
    if start == 0 then run("DEL", k) else run("LTRIM", k, 0, start - 1) end
    for i = 1, math.min(count, #tail) do
      if string.byte(tail[i], 1) == 64 then drop(tail[i]) end
    end
    push_all("RPUSH", k, values, 1, #values)
    push_all("RPUSH", k, tail, count + 1, #tail)
  end,
} end

ROW.replace = function() return {
  kind = "list",
  args = function(op) return are_strs(op[3]) end,
  check = function(op, id, k)
    local err = check_list(op, id, k, function() return #op[3] end)
    if err then return err end
    if sim[k] ~= nil then
      local s = {}
      for i, v in ipairs(op[3]) do s[i] = v end
      sim[k] = s
    end
    clear("LRANGE", k); clear("DEL", k); clear("RPUSH", k)
  end,
  apply = function(op, id, k)
    local keep = {}
    for _, v in ipairs(op[3]) do keep[v] = true end
    local old = may_hold_refs(id) and run("LRANGE", k, 0, -1) or {}
    run("DEL", k)
    for _, v in ipairs(old) do
      if string.byte(v, 1) == 64 and not keep[v] then drop(v) end
    end
    push_all("RPUSH", k, op[3], 1, #op[3])
  end,
} end

-- {"promote", parent, field or index, new id, "l"/"d", sha1 of the element's text, contents}
-- The element a promote turns into a container, as the server holds it now.
local function slot_value(pk, pkind, slot)
  if pkind == "list" then
    if sim[pk] ~= nil then return simulated(pk)[slot + 1] end
    if fresh[pk] then return nil end
    return redis.call("LINDEX", pk, slot)
  end
  return field_of(pk, slot)
end
ROW.promote = function() return {
  kind = nil,
  args = function(op)
    return (is_str(op[3]) or is_count(op[3])) and is_id(op[4]) and op[4] ~= "" and (op[5] == "l" or op[5] == "d")
      and is_str(op[6]) and string.match(op[6], "^%x+$") ~= nil and are_strs(op[7]) and (op[5] == "l" or #op[7] % 2 == 0)
  end,
  check = function(op, id, pk)
    local pkind = kind_of(pk)
    if pkind == "none" then pkind = (id == "" or string.sub(flags_of(id) or "d", 1, 1) == "d") and "hash" or "list" end
    if (pkind == "list") ~= (type(op[3]) == "number") then return refuse("ARGS", pk, "a promote addresses a " .. pkind .. " by " .. type(op[3])) end
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
      return nil
    end
    if not cur or redis.sha1hex(cur) ~= op[6] then
      return refuse("CONFLICT", pk, "element " .. op[3] .. " was changed by another writer")
    end
    if not declared[k] then ask(op[4]); return nil end
    if kind_of(k) ~= "none" or flags_of(op[4]) then return refuse("CONFLICT", k, "already exists") end
    fresh[k] = true
    recreated[k] = true
    grown[k] = #op[7] > 0
    kinds[k] = op[5] == "l" and "list" or "hash"
    flags[op[4]] = op[5] .. "0:" .. string.sub(op[6], 1, 16)
    -- A new list's contents are known: later promotes of its elements read them here.
    if op[5] == "l" then
      lens[k] = #op[7]
      local s = {}
      for i, v in ipairs(op[7]) do s[i] = v end
      sim[k] = s
    else
      local long = #op[7] / 2 > LISTPACK_ENTRIES
      for j = 1, #op[7] - 1, 2 do
        fields[k .. "\0" .. op[7][j]] = op[7][j + 1]
        long = long or #op[7][j] > LISTPACK_VALUE or #op[7][j + 1] > LISTPACK_VALUE
      end
      hlens[k] = #op[7] / 2
      ordering[op[4]] = long
      -- A new dict Redis stores as a hashtable gets its order record at once.
      if long then
        op.order = "fresh"
        local ok = order_key(op[4])
        if not declared[ok] then ask(op[4]) end
        clear("SET", ok)
        recreated[ok] = true
      end
    end
    local ref = "@" .. op[5] .. ":" .. op[4]
    if pkind == "hash" then fields[pk .. "\0" .. op[3]] = ref
    elseif sim[pk] ~= nil then simulated(pk)[op[3] + 1] = ref end
    op.parent_kind = pkind
    touched[op[4]] = true
    -- The parent now holds a reference (later ops of the batch that remove elements check it).
    if id ~= "" then
      local f = flags_of(id)
      if f and string.sub(f, 3, 3) ~= "r" then flags[id] = string.sub(f, 1, 2) .. "r" .. string.sub(f, 3) end
    end
    if #op[7] > 0 then clear(op[5] == "l" and "RPUSH" or "HSET", k) end
    clear(pkind == "list" and "LSET" or "HSET", pk)
    return nil
  end,
  apply = function(op, id, k)
    local newid = op[4]
    if used[newid] ~= nil then return end
    local nk = key_of(newid)
    if op[5] == "l" then push_all("RPUSH", nk, op[7], 1, #op[7]) else hset_all(nk, op[7]) end
    if op.order == "fresh" then
      local keys = {}
      for j = 1, #op[7] - 1, 2 do keys[#keys + 1] = op[7][j] end
      run("SET", order_key(newid), record_of(keys))
      flags[newid] = with_order(flags[newid], 0)
    end
    local ref = "@" .. op[5] .. ":" .. newid
    if op.parent_kind == "list" then run("LSET", k, op[3], ref) else run("HSET", k, op[3], ref) end
  end,
} end

ROW.incr = function() return {
  kind = "hash",
  args = function(op) return is_str(op[3]) and type(op[4]) == "number" and op[4] == op[4] and math.abs(op[4]) ~= math.huge end,
  check = function(op, id, k)
    local v = field_of(k, op[3])
    if v and not is_json_number(v) then return refuse("CONFLICT", k, "field " .. op[3] .. " holds " .. string.sub(v, 1, 40) .. ", not a number") end
    local sum = tonumber(v or "0") + op[4]
    if sum ~= sum or math.abs(sum) == math.huge then return refuse("CONFLICT", k, "field " .. op[3] .. " + " .. op[4] .. " is not a finite number") end
    plan_order(op, id, k, op[3], string.format("%.17g", sum), not v)
    fields[k .. "\0" .. op[3]] = string.format("%.17g", sum)
    grow(k)
    has_incr = true
    clear("HGET", k); clear("HINCRBY", k); clear("HSET", k)
  end,
  apply = function(op, id, k)
    local by = op[4]
    order_before(op, id, k)
    local v = run("HGET", k, op[3]) or "0"
    local cur = tonumber(v)
    local r
    -- HINCRBY fails past 64-bit integers: exact integers only.
    if math.floor(by) == by and is_exact_int(v) and math.abs(by) < 2^53 and math.abs(cur + by) < 2^53 then
      r = run("HINCRBY", k, op[3], string.format("%d", by))
    else
      -- Anything else adds as JSON numbers add in JS: one IEEE double sum (what a replica
      -- computes), never HINCRBYFLOAT, whose long double sum rounds differently (0.1 + 0.2).
      r = string.format("%.17g", cur + by)
      run("HSET", k, op[3], r)
    end
    order_after(op, id, k)
    results[#results + 1] = tostring(r)
  end,
} end

-- Phase: what the checks know, afresh for the call (see "what the checks know of the keys").
local function reset()
  flags = {}
  for _, id in ipairs(prefetched) do flags[id] = m[prefetched[id]] or false end
  stored_flags = {}
  for id, f in pairs(flags) do stored_flags[id] = f end
  alias, used, created = {}, {}, {}
  for _, r in pairs(remembered) do
    local pairs_ = r[2] or {}
    for j = 1, #pairs_ - 1, 2 do alias[pairs_[j]] = pairs_[j + 1] end
  end
  kinds, lens, fresh, hlens = {}, {}, {}, {}
  fields, emptied = {}, {}
  grown, shrunk, recreated = {}, {}, {}
  planned_skips, has_incr = 0, false
  wanted, loaded = {}, {}
  for _, op in ipairs(ops) do
    if FIELD_OPS[op[1]] and is_str(op[3]) then
      local k = key_of(alias[op[2]] or op[2])
      local w = wanted[k]
      if not w then w = {n = 0, list = {}}; wanted[k] = w end
      if not w[op[3]] then w[op[3]] = true; w.n = w.n + 1; w.list[w.n] = op[3] end
    end
  end
  sim, checked, touched, garbage, appended = {}, {}, {}, {}, {}
  pending_key, pending_fv = nil, {}
  results, skipped, dropped_out, staged_key = {}, 0, {}, nil
  ordering = {}
end

-- ---- check everything before the first write -------------------------------
-- Deleting a subtree (drop) reads and deletes declared containers: cleared for each,
-- unless every operation of the batch only adds values (these never remove a reference).
local ADDS_ONLY = {push = true, unshift = true, incr = true}
local function clear_drops()
  for i = 4, #KEYS do
    if KEYS[i] ~= stage then clear("TYPE", KEYS[i]); clear("LRANGE", KEYS[i]); clear("HVALS", KEYS[i]); clear("DEL", KEYS[i]) end
  end
end
-- Phase: every op's arguments and checks, in order, before anything is written.
local function check()
  -- Lists that a promote or a removing op addresses by index after other ops of the batch
  -- moved their elements (a promote moves none, but puts a reference where a removing op
  -- may find it) are simulated through the batch.
  do
    local moved, promoted = {}, {}
    for _, op in ipairs(ops) do
      local id = resolve(op[2])
      if op[1] == "promote" then
        if moved[id] then sim[key_of(id)] = false end
        promoted[id] = true
      elseif MOVES[op[1]] then
        if promoted[id] and REMOVES[op[1]] and id ~= "" then sim[key_of(id)] = false end
        if moved[id] and REMOVES[op[1]] and id ~= "" then
          local f = flags_of(id)
          if f and string.sub(f, 3, 3) == "r" then sim[key_of(id)] = false end
        end
        moved[id] = true
      end
    end
  end

  for _, op in ipairs(ops) do
    if not ADDS_ONLY[op[1]] then clear_drops(); break end
  end
  for i, op in ipairs(ops) do
    local row = row_of(op[1])
    if not row then return refuse("ARGS", meta, "operation " .. i .. " is " .. op[1] .. ", which this library does not know") end
    if not row.args(op) then return refuse("ARGS", meta, "operation " .. i .. " (" .. op[1] .. ") has arguments of the wrong kind (an index that is not an integer >= 0?)") end
    op[2] = resolve(op[2])
    local k, err = target(op[2], row.kind)
    if err then return refuse("CONFLICT", k, err) end
    if not needed[op[2]] then
      local refusal = row.check(op, op[2], k)
      if refusal then return refusal end
    end
    touched[op[2]] = true
  end
  return nil
end

-- The server's clock (ms), or nil when the user may not run TIME (docs/guides/acl.md).
local function clock()
  if now == nil then
    now = false
    if redis.acl_check_cmd("TIME") then
      local t = redis.call("TIME")
      now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    end
  end
  return now or nil
end

-- What every batch runs after its operations: the registry and the bookkeeping (ns:meta,
-- the existence of what it touched), and the log entry with its wake-up.
local function clear_book()
  clear("HSET", meta); clear("HDEL", meta)
  for id in pairs(touched) do clear("EXISTS", key_of(id)) end
end
local function clear_log() clear("XADD", log); clear("XTRIM", log); clear("PEXPIRE", log); clear("PUBLISH", log) end

-- Phase: expiry, the staged push, the log's type, and the ACL for every command the batch runs.
local function prepare()
  -- Expiry: every key of the instance expires at once (meta field x says when). A store
  -- opened with `ttl` sets it again for every key when less than 90% of it is left
  -- (amortised O(1) per batch); between refreshes, keys a batch creates get the
  -- instance's expiry. A store without `ttl` does no expiry work but for keys it creates.
  ttl = H.ttl
  now = nil
  refresh, new_at = false, expire_at
  if ttl > 0 then
    local at = clock()
    if at then
      refresh = expire_at < 0 or expire_at - at < ttl * 0.9
      if refresh then new_at = at + ttl end
    else
      refresh = expire_at < 0 or redis.call("PTTL", meta) < ttl * 0.9
    end
  elseif expire_at < 0 and xfield == nil and next(recreated) ~= nil then
    -- An instance given an expiry by an older version of this library (no x): ask the key.
    new_at = redis.call("PEXPIRETIME", meta)
  end
  registered, records = {}, {}
  if refresh then
    local all = redis.call("HGETALL", meta)
    for i = 1, #all - 1, 2 do
      local f = all[i]
      if string.sub(f, 1, 2) == "n:" then
        local id = string.sub(f, 3)
        if #f > 2 then
          registered[#registered + 1] = id
          if not declared[key_of(id)] then ask(id) end
        end
        -- Dicts' order records (the root's too) expire with them.
        if string.match(all[i + 1], "^d[01]r?o%d") and not recreated[order_key(id)] then
          records[#records + 1] = order_key(id)
          if not declared[order_key(id)] then ask(id) end
        end
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
        and may("EVAL", "", "3", meta, stage, k) and may("HGET", meta, "p") and may("HDEL", meta, "p") and may("EXISTS", stage)
        and may("PEXPIRETIME", meta) and may("PEXPIREAT", k, "0")) then
      return refuse("UNSTAGE", k, "the user may not run what a staged push runs (RENAME, RPUSH, EVAL, ...)")
    end
    clear("EXISTS", k); clear("RENAME", k, stage); clear("DEL", stage)
  end

  -- The log entry is written before the operations when its body is known now (no
  -- increment results to wait for): XADD is then the batch's first write, and a log key of
  -- the wrong type refuses the batch with nothing written, at no extra call.
  log_first = not has_incr
  if not log_first then
    local log_type = redis.call("TYPE", log).ok
    if log_type ~= "none" and log_type ~= "stream" then return refuse("CORRUPT", log, "holds a " .. log_type .. ", expected a stream") end
  end

  -- What the rest of the script runs: the registry, the expiry, the bookkeeping, the log.
  clear_book()
  if refresh then
    local cmd = clock() and "PEXPIREAT" or "PEXPIRE"
    clear(cmd, root); clear(cmd, meta); clear(cmd, log); clear("PEXPIRETIME", meta)
    for _, id in ipairs(registered) do clear(cmd, key_of(id)) end
    for _, k in ipairs(records) do clear(cmd, k) end
    for id in pairs(touched) do clear(cmd, key_of(id)) end
    for k in pairs(recreated) do clear(cmd, k) end
  elseif new_at > 0 then
    for k in pairs(recreated) do clear("PEXPIREAT", k) end
    clear("PEXPIREAT", log)
  end
  clear_log()
  -- History (H.histEntries > 0): every batch is kept within its bounds, whoever listens,
  -- and the log expires with the instance (PEXPIREAT to the instance's expiry, else PERSIST).
  history = (H.histEntries or 0) > 0
  if history then clear("PEXPIRETIME", meta); clear("PEXPIREAT", log); clear("PERSIST", log) end
  local denied = may_run_all()
  if denied then return refuse("NOPERM", meta, "NOPERM the user may not run " .. denied .. ", which the batch script (FCALL or EVALSHA of apply.lua) needs for this batch (docs/guides/acl.md)") end
  return nil
end

-- ---- the change log and the live feed ------------------------------------
-- The entry's body (runtime/protocol/log.ts): whole operations, or the ids of the
-- containers the batch touched when they are too large (or a default was skipped:
-- replicas reload what it touched).
local function entry_body(whole)
  local body = '{"s":' .. seq .. ',"e":' .. cjson.encode(epoch) .. ',"c":' .. cjson.encode(client) .. ',"b":' .. bseq
  -- History: who wrote it (the writer's name) and the path of each operation's container.
  if history then body = body .. ',"w":' .. cjson.encode(H.writer) .. ',"p":' .. V.paths end
  -- The schema versions the batch gave the instance, when it set them (a creation, a
  -- migration, a newer writer): a live replica of another version learns from the entry
  -- itself that it must reload (and migrate, or be refused) rather than apply it.
  if creating or nv ~= iv or nvmin ~= ivmin then body = body .. string.format(',"v":%d,"vm":%d', nv, nvmin) end
  if whole then
    body = body .. ',"o":' .. OPS_TEXT
    if #results > 0 then body = body .. ',"r":' .. cjson.encode(results) end
    if #aliases > 0 then body = body .. ',"a":' .. cjson.encode(aliases) end
  else
    local ids, seen = {}, {}
    for _, op in ipairs(ops) do
      if not seen[op[2]] then seen[op[2]] = true; ids[#ids + 1] = cjson.encode(op[2]) end
    end
    body = body .. ',"i":[' .. table.concat(ids, ",") .. ']'
  end
  return body .. "}"
end
-- The wake-up of live replicas (they read the entry from the stream), published first:
-- its count of receivers says whether anyone but the writer listens. The log is for
-- replicas catching up: with no other subscription to hear the batch, no replica can
-- have missed it (one that starts listening loads after it, one whose connection
-- dropped finds the seq moved past the log and reloads), so the log keeps no entries.
-- The entry is still added, then trimmed: its id orders the batch (a replica compares
-- ids to tell a rewind from a batch it has).
local function log_batch()
  local heard = run("PUBLISH", log, '{"c":' .. cjson.encode(client) .. ',"b":' .. bseq .. '}')
  local keep = H.logEntries
  -- With history, its bounds are the log's (a replica that fell further behind reloads).
  if history then keep = H.histEntries
  elseif V.own >= 0 and heard <= V.own then keep = 0 end
  local added = redis.pcall("XADD", log, "MAXLEN", "=", keep, "*", "d", entry_body(logged_whole))
  if type(added) ~= "string" then return added.err or "XADD failed" end
  entry = added
  if history then
    -- History without an age bound keeps entries by count only; the log expires with the instance.
    local at = H.histAgeMs > 0 and clock()
    if at then run("XTRIM", log, "MINID", string.format("%d", at - H.histAgeMs)) end
    local ends = expire_at > 0 and expire_at or run("PEXPIRETIME", meta)
    if ends > 0 then run("PEXPIREAT", log, ends) else run("PERSIST", log) end
    return nil
  end
  kept = keep > 0 and H.logAgeMs > 0
  if kept then
    local at = clock()
    if at then run("XTRIM", log, "MINID", string.format("%d", at - H.logAgeMs)) end
    run("PEXPIRE", log, H.logAgeMs)
  end
  return nil
end

-- Phase: what the log entry says (see log_batch); `kept`: whether the log keeps it
-- (then the log key expires by age).
local function logging()
  aliases = {}
  for from, to in pairs(used) do aliases[#aliases + 1] = from; aliases[#aliases + 1] = to end
  seq = tonumber(iseq or "0") + 1
  logged_whole = planned_skips == 0 and cursor < FIRST_VALUE and not staged and #OPS_TEXT <= H.logOpsBytes
  entry, kept = nil, false
  return nil
end

-- ---- apply ---------------------------------------------------------------
-- Phase: the log entry and the operations' writes.
local function write()
  if log_first then
    local failed = log_batch()
    if failed then return refuse("CORRUPT", log, "cannot take the log entry (" .. failed .. ")") end
  end
  for i, op in ipairs(ops) do
    op.i = i
    local k = key_of(op[2])
    -- Anything but another key write to the same hash sees the waiting writes applied first.
    if pending_key and (op[1] ~= "set" or pending_key ~= k) then hset_flush() end
    row_of(op[1]).apply(op, op[2], k)
  end
  hset_flush()
  for ok in pairs(appended) do order_flush(ok) end
  if not log_first then
    local failed = log_batch()
    if failed then error("apply.lua: the log refused an entry its checks cleared: " .. failed) end
  end
  return nil
end

local function exists_after(id)
  local k = key_of(id)
  if k == staged_key then return true end
  local f = flags[id]
  if id ~= "" and f and string.sub(f, 1, 1) == "l" then
    if lens[k] ~= nil then return lens[k] > 0 end
  elseif not shrunk[k] then
    if grown[k] then return true end
    if kinds[k] ~= nil and not fresh[k] then return kinds[k] ~= "none" end
  end
  return run("EXISTS", k) == 1
end

-- Phase: the registry, the bookkeeping in one HSET, the expiry; the reply.
local function finish()
  -- Registry: which containers should exist (eviction shows as a missing key); written
  -- only where the flags changed.
  local book = {}
  if creating then book[#book + 1] = "format"; book[#book + 1] = FORMAT; book[#book + 1] = "epoch"; book[#book + 1] = epoch end
  for id in pairs(touched) do
    local f = flags[id]
    if id == "" then f = f or "d0" end
    if f then
      local text = string.sub(f, 1, 1) .. (exists_after(id) and "1" or "0") .. string.sub(f, 3)
      if text ~= stored_flags[id] then
        book[#book + 1] = "n:" .. id
        book[#book + 1] = text
      end
    end
  end

  if refresh and clock() then book[#book + 1] = "x"; book[#book + 1] = string.format("%d", new_at) end
  -- Exactly once: the last batch of this client, and the results of recent ones; the
  -- instance seq. One HSET with the registry.
  book[#book + 1] = "c:" .. client; book[#book + 1] = bseq
  book[#book + 1] = "seq"; book[#book + 1] = string.format("%d", seq)
  if schema ~= H.schema then book[#book + 1] = "schema"; book[#book + 1] = H.schema end
  if creating or nv ~= iv or m[8] == false then book[#book + 1] = "v"; book[#book + 1] = string.format("%d", nv) end
  if creating or nvmin ~= ivmin or m[9] == false then book[#book + 1] = "vmin"; book[#book + 1] = string.format("%d", nvmin) end
  if #results > 0 or #created > 0 or skipped > 0 or recent then
    local out, any = {}, false
    -- A batch the client has the reply of is never sent again: its results can go.
    local acked = V.acked or (bseq - WINDOW)
    for s, v in pairs(remembered) do
      if tonumber(s) > acked then out[s] = v; any = true end
    end
    if #results > 0 or #created > 0 or skipped > 0 then out[tostring(bseq)] = {results, created, skipped}; any = true end
    if any then book[#book + 1] = "r:" .. client; book[#book + 1] = cjson.encode(out)
    else run("HDEL", meta, "r:" .. client) end
  end
  -- The staged values are RPUSHed onto the list under the staging key's name, next in the MULTI.
  if staged_key then
    if run("EXISTS", staged_key) == 1 then run("RENAME", staged_key, stage) else run("DEL", stage) end
    book[#book + 1] = "p:" .. client; book[#book + 1] = bseq
  end
  hset_all(meta, book)

  -- Expiry, once every key the batch creates exists (ns:meta included).
  if refresh then
    local cmd, arg = "PEXPIREAT", new_at
    if not clock() then cmd, arg = "PEXPIRE", ttl end
    run(cmd, root, arg)
    run(cmd, meta, arg)
    if not kept then run(cmd, log, arg) end
    for _, id in ipairs(registered) do
      if flags[id] ~= false then run(cmd, key_of(id), arg) end
    end
    for _, k in ipairs(records) do run(cmd, k, arg) end
    for id in pairs(touched) do run(cmd, key_of(id), arg) end
    for k in pairs(recreated) do run(cmd, k, arg) end
    if cmd == "PEXPIRE" then
      new_at = run("PEXPIRETIME", meta)
      run("HSET", meta, "x", string.format("%d", new_at))
    end
  elseif new_at > 0 then
    for k in pairs(recreated) do run("PEXPIREAT", k, new_at) end
    -- The log key too: XADD may have made it again (it never outlives the instance).
    if not kept then run("PEXPIREAT", log, new_at) end
  end

  return reply_of("applied", string.format("%d", seq), entry, string.format("%d", new_at), skipped, results, aliases, garbage, dropped_out)
end

-- ---- the common batch ------------------------------------------------------------
-- An agent's every turn: a few values pushed onto one list, or a few key writes into one
-- dict, of an instance that takes them as it is. Answered here, after `instance`, with
-- only what such a batch needs: one probe of the container (its length), the old values
-- of the keys it writes, the ACL for what it runs, the log entry, the writes, one HSET of
-- the bookkeeping. Where anything is unusual (a new or empty container, a reference, a
-- dict whose order needs starting, expiry, history, aliases, results to remember, a
-- refused command, ...), it returns nil having written nothing, and the general phases
-- decide, refusals included. It writes what they would write and answers what they
-- would answer (test/runtime/common-batch.test.ts runs both on the same batches).
-- COMMON = false turns it off (that test's reference).
local COMMON = true
local COMMON_KIND = {push = "l", set = "d"}
local function common()
  if not COMMON or creating or staged or recent or xfield or H.ttl > 0 or (H.histEntries or 0) > 0 or H.from ~= 0 or cursor >= FIRST_VALUE
    or nv ~= iv or nvmin ~= ivmin or m[8] == false or m[9] == false or schema ~= H.schema or #ops == 0 then return nil end
  local name, id = ops[1][1], ops[1][2]
  local kind = COMMON_KIND[name]
  local k = key_of(id)
  if not kind or (id ~= "" and not declared[k]) or (id == "" and name ~= "set") then return nil end
  local stored = m[prefetched[id]] or false
  local f = stored or (id == "" and "d0")
  if not f or string.sub(f, 1, 1) ~= kind then return nil end
  -- The values pushed, or the field-value pairs written, in the batch's order.
  local values, count = {}, 0
  for i = 1, #ops do
    local op = ops[i]
    if op[1] ~= name or op[2] ~= id then return nil end
    if name == "push" then
      local pushed = op[3]
      if not are_strs(pushed) then return nil end
      for j = 1, #pushed do values[count + j] = pushed[j] end
      count = count + #pushed
    else
      if not field_value_args(op) then return nil end
      values[count + 1], values[count + 2] = op[3], op[4]
      count = count + 2
    end
  end
  if count == 0 or count > CHUNK then return nil end
  -- The container holds something (an empty one is created by the batch: expiry work).
  local n = redis.pcall(name == "push" and "LLEN" or "HLEN", k)
  if type(n) ~= "number" or n == 0 then return nil end
  touched = {[id] = true}
  local record, added = nil, {}
  if name == "push" then
    clear("RPUSH", k)
  else
    -- The keys' old values: none a reference (deleting its subtree is the general path's).
    local distinct, fields_ = {}, {}
    for i = 1, count, 2 do
      if not distinct[values[i]] then distinct[values[i]] = true; fields_[#fields_ + 1] = values[i] end
    end
    local old = redis.pcall("HMGET", k, unpack(fields_))
    if old.err then return nil end
    for j, field in ipairs(fields_) do
      local o = old[j]
      if o and string.byte(o, 1) == 64 then return nil end
      if not o then added[#added + 1] = field end
    end
    -- Dict key order (see "dict key order"): new keys go at the end of a record it has; a
    -- dict without one stays within what keeps Redis' own order.
    if string.match(f, "^d[01]r?o%d") then
      if #added > 0 then
        record = order_key(id)
        if not declared[record] then return nil end
        clear("APPEND", record)
      end
    else
      if n + #added > LISTPACK_ENTRIES then return nil end
      for i = 1, count do if #values[i] > LISTPACK_VALUE then return nil end end
    end
    clear("HSET", k)
  end
  -- The ACL is asked for what this batch runs and what every batch runs (the bookkeeping
  -- and the log); not for what deleting a subtree runs, which the general phases clear
  -- for any batch that may remove a reference (this one cannot).
  clear_book()
  clear_log()
  if may_run_all() then return nil end

  seq = tonumber(iseq or "0") + 1
  -- What log_batch reads of the call's state (prepare and logging set it on the general path).
  now, history, results, aliases = nil, false, {}, {}
  logged_whole = #OPS_TEXT <= H.logOpsBytes
  entry, kept = nil, false
  local failed = log_batch()
  if failed then return refuse("CORRUPT", log, "cannot take the log entry (" .. failed .. ")") end
  run(name == "push" and "RPUSH" or "HSET", k, unpack(values, 1, count))
  if record then
    for i, field in ipairs(added) do added[i] = cjson.encode(field) .. "," end
    run("APPEND", record, table.concat(added))
  end
  local text = kind .. "1" .. string.sub(f, 3)
  if text ~= stored then
    run("HSET", meta, "n:" .. id, text, "c:" .. client, bseq, "seq", string.format("%d", seq))
  else
    run("HSET", meta, "c:" .. client, bseq, "seq", string.format("%d", seq))
  end
  return reply_of("applied", string.format("%d", seq), entry, string.format("%d", expire_at), 0, results, aliases, results, results)
end

-- One call: the phases in order; the first to answer ends it.
local function main(keys, argv)
  local answer = begin(keys, argv) or instance() or common()
  if answer ~= nil then return answer end
  reset()
  answer = check() or prepare() or logging() or write()
  if answer ~= nil then return answer end
  return finish()
end

