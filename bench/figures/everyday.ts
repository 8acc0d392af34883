// The agent's everyday path: one write awaited at a time (an LLM worker appends a
// message and awaits it every turn), the Redis calls a one-append batch makes inside
// the batch script, and opening a whole conversation to read it (a chat UI).
// Peers: raw ioredis doing the same by hand, each command awaited, on the same server.
import type { Redis } from "ioredis";
import { AgentMemory, type Message } from "../../generated/index.js";
import { BenchStore } from "../bench-store.js";
import type { BenchContext } from "../context.js";
import { interleave } from "../measure.js";
import { row, type Row } from "../report.js";

const message = (i: number): Message => ({ role: i % 2 === 0 ? "user" : "assistant", content: `message ${i} `.padEnd(200, "lorem ipsum dolor sit amet ") });

export async function everydayFigures(context: BenchContext): Promise<Row[]> {
  return [...(await awaitedWrites(context)), ...(await scriptCalls(context)), ...(await conversationLoad(context))];
}

async function awaitedWrites(context: BenchContext): Promise<Row[]> {
  const appends = context.quick ? 50 : 200;
  const keyWrites = context.quick ? 200 : 1_000;
  const rounds = context.quick ? 2 : 9;
  const storeRedis = context.connect();
  const chat = await AgentMemory.open({ redis: storeRedis, prefix: context.prefix, id: context.uniqueId("turns"), live: false, init: { conversationId: "bench" } });
  const bench = await BenchStore.open(storeRedis, context.prefix, context.uniqueId("keys"));
  const rawList = `${context.prefix}raw:{turns}:messages`;
  const rawHash = `${context.prefix}raw:{keys}:hash`;
  const floor = await scriptFloor(context, storeRedis);
  context.log(`everyday: ${appends} awaited appends and ${keyWrites} awaited key writes per run, ${rounds} rounds`);
  const runs = await interleave(
    [
      {
        name: "append",
        setup: async () => {
          chat.messages.clear();
          await chat.$flush();
        },
        run: async () => {
          for (let i = 0; i < appends; i++) {
            chat.messages.push(message(i));
            await chat.$flush();
          }
        },
      },
      {
        name: "rpush",
        setup: async () => void (await context.redis.del(rawList)),
        run: async () => {
          for (let i = 0; i < appends; i++) await context.redis.rpush(rawList, JSON.stringify(message(i)));
        },
      },
      {
        name: "floor-return",
        run: async () => {
          for (let i = 1; i <= appends; i++) await floor.call(FLOOR_RETURN, i);
        },
      },
      {
        name: "floor-calls",
        run: async () => {
          for (let i = 1; i <= appends; i++) await floor.call(FLOOR_CALLS, i);
        },
      },
      {
        name: "floor-script",
        // The batch script itself, called directly (a client id of its own per run).
        run: async () => {
          const script = floor.script();
          for (let i = 1; i <= appends; i++) await script(i);
        },
      },
      {
        name: "key",
        run: async () => {
          for (let i = 0; i < keyWrites; i++) {
            bench.keys[`k${i % 100}`] = `value-${i}`;
            await bench.$flush();
          }
        },
      },
      {
        name: "hset",
        run: async () => {
          for (let i = 0; i < keyWrites; i++) await context.redis.hset(rawHash, `k${i % 100}`, JSON.stringify(`value-${i}`));
        },
      },
    ],
    { rounds },
  );
  await floor.remove();
  await chat.$delete();
  await chat.$close();
  await bench.$delete();
  await bench.$close();
  await context.redis.del(rawList, rawHash);
  storeRedis.disconnect();

  const perSecond = (n: number, name: string): number => (n / runs.get(name)!.medianMs) * 1000;
  const append = perSecond(appends, "append");
  const rpush = perSecond(appends, "rpush");
  const key = perSecond(keyWrites, "key");
  const hset = perSecond(keyWrites, "hset");
  /** An info row: one of the floors against the same raw RPUSH runs. */
  const floorRow = (id: string, figure: string, oursLabel: string, name: string): Row =>
    row({
      id,
      figure,
      oursLabel,
      peerLabel: `${appends} x await RPUSH of the message's JSON`,
      ours: { value: perSecond(appends, name), unit: "/s" },
      peer: { value: rpush, unit: "/s" },
      ratio: perSecond(appends, name) / rpush,
      ratioMeaning: "calls/s / RPUSH/s",
    });
  return [
    row({
      id: "awaited-append",
      figure: "one append awaited (push + $flush()), repeated, vs raw ioredis RPUSH of its JSON awaited each",
      oursLabel: `${appends} x (messages.push({role, content ~200 chars}) + await $flush()), generated AgentMemory, validated`,
      peerLabel: `${appends} x await RPUSH of the message's JSON`,
      ours: { value: append, unit: "/s" },
      peer: { value: rpush, unit: "/s" },
      ratio: append / rpush,
      ratioMeaning: "our appends/s / RPUSH/s",
      target: { kind: "ratio-at-least", bound: 0.6, text: ">= 0.6x" },
      designTarget: true,
    }),
    floorRow(
      "awaited-append-floor-return",
      "the floor of a script call: FCALL of a function that returns at once, with a one-append batch's arguments, awaited, vs raw RPUSH (info)",
      `${appends} x await FCALL (the batch's keys, header and ops), function body: return 1`,
      "floor-return",
    ),
    floorRow(
      "awaited-append-floor-calls",
      "the floor of a one-append batch: FCALL of a function making its Redis calls (HMGET, LLEN, PUBLISH, XADD, RPUSH, HSET) and nothing else, awaited, vs raw RPUSH (info)",
      `${appends} x await FCALL of the batch's six Redis calls, without a check`,
      "floor-calls",
    ),
    floorRow(
      "awaited-append-floor-script",
      "the batch script alone: FCALL of it with a one-append batch's arguments (a client of its own), awaited, vs raw RPUSH (info)",
      `${appends} x await FCALL of the batch script, called directly, not through a store`,
      "floor-script",
    ),
    row({
      id: "awaited-key-write",
      figure: "one dict key write awaited, repeated, vs raw awaited HSET",
      oursLabel: `${keyWrites} x (keys[k] = v + await $flush())`,
      peerLabel: `${keyWrites} x await HSET of the value's JSON`,
      ours: { value: key, unit: "/s" },
      peer: { value: hset, unit: "/s" },
      ratio: key / hset,
      ratioMeaning: "our key writes/s / HSET/s",
      target: { kind: "ratio-at-least", bound: 0.5, text: ">= 0.5x" },
      designTarget: true,
    }),
  ];
}

const FLOOR_LIBRARY = "redis_memory_bench_floor";
const FLOOR_RETURN = "redis_memory_bench_floor_return";
const FLOOR_CALLS = "redis_memory_bench_floor_calls";

/**
 * What an awaited append would cost with nothing but a script call, and with nothing but
 * the Redis calls a one-append batch makes inside the script (no checks: not a usable
 * script, a floor). Both are called with the arguments of a real one-append batch of
 * `chat` (seen once on its connection), on keys of their own.
 */
async function scriptFloor(
  context: BenchContext,
  storeRedis: Redis,
): Promise<{ call(name: string, seq: number): Promise<unknown>; script(): (seq: number) => Promise<unknown>; remove(): Promise<void> }> {
  const chat = await AgentMemory.open({ redis: storeRedis, prefix: context.prefix, id: context.uniqueId("floor"), live: false, init: { conversationId: "bench" } });
  await context.redis.call(
    "FUNCTION",
    "LOAD",
    "REPLACE",
    `#!lua name=${FLOOR_LIBRARY}
redis.register_function('${FLOOR_RETURN}', function(keys, argv) return 1 end)
local headers = {}
redis.register_function('${FLOOR_CALLS}', function(keys, argv)
  local h = headers[argv[1]]
  if not h then h = cjson.decode(argv[1]); headers[argv[1]] = h end
  local v, ops = cjson.decode(argv[2]), cjson.decode(argv[3])
  redis.call("HMGET", keys[2], "format", "epoch", "seq", "c:" .. h.client, "r:" .. h.client, "x", "schema", "v", "vmin", "n:" .. ops[1][2])
  local list = h.ns .. ":n:" .. ops[1][2]
  redis.call("LLEN", list)
  redis.call("PUBLISH", keys[3], '{"c":' .. cjson.encode(h.client) .. ',"b":' .. v.seq .. '}')
  local id = redis.call("XADD", keys[3], "MAXLEN", "=", 0, "*", "d", '{"b":' .. v.seq .. ',"o":' .. argv[3] .. '}')
  redis.call("RPUSH", list, unpack(ops[1][3]))
  redis.call("HSET", keys[2], "c:" .. h.client, v.seq, "seq", v.seq)
  return '{"status":"applied","seq":"' .. v.seq .. '","entry":"' .. id .. '"}'
end)
`,
  );
  // One real batch's arguments, as the store sends them.
  const connection = storeRedis as unknown as { call: (...args: unknown[]) => Promise<unknown> };
  const original = connection.call;
  let seen: string[] | undefined;
  let scriptName = "";
  connection.call = function (this: unknown, command: unknown, ...rest: unknown[]) {
    if (String(command).toUpperCase() === "FCALL" && Array.isArray(rest[1])) {
      const args = (rest[1] as unknown[]).map(String);
      if (args[3 + Number(args[0])]?.startsWith('[["push",')) {
        seen = args;
        scriptName = String(rest[0]);
      }
    }
    return original.call(this, command, ...rest);
  };
  // The first push onto the list makes it a container of its own; the second is a plain push.
  for (let i = 0; i < 2; i++) {
    chat.messages.push(message(i));
    await chat.$flush();
  }
  connection.call = original;
  if (!seen) throw new Error("everyday: the store sent no FCALL of one push (the batch script is not a function here?)");
  const keyCount = Number(seen[0]);
  const fixed = JSON.parse(seen[1 + keyCount]!) as { ns: string };
  const ns = `${context.prefix}floor:{floor}`;
  const keys = seen.slice(1, 1 + keyCount).map((key) => ns + key.slice(fixed.ns.length));
  const header = JSON.stringify({ ...fixed, ns });
  const varying = JSON.parse(seen[2 + keyCount]!) as Record<string, unknown>;
  const ops = seen[3 + keyCount]!;
  const list = `${ns}:n:${(JSON.parse(ops) as [string, string][])[0]![1]}`;
  await context.redis.rpush(list, "{}");
  const batch = (seq: number): string => JSON.stringify({ ...varying, seq, prev: seq - 1, acked: seq - 1 });
  let clients = 0;
  return {
    call: (name, seq) => context.redis.call("FCALL", name, keyCount, ...keys, header, batch(seq), ops),
    script: () => {
      const own = JSON.stringify({ ...fixed, client: `floor${++clients}` });
      const realKeys = seen!.slice(1, 1 + keyCount);
      return (seq) => context.redis.call("FCALL", scriptName, keyCount, ...realKeys, own, batch(seq), ops);
    },
    remove: async () => {
      await context.redis.del(...keys, list);
      await context.redis.call("FUNCTION", "DELETE", FLOOR_LIBRARY);
      await chat.$delete();
      await chat.$close();
    },
  };
}

/** Calls and microseconds the server spent on the batch script so far (FCALL or its EVAL form), from INFO commandstats. */
async function scriptTime(context: BenchContext): Promise<{ calls: number; usec: number }> {
  const info = await context.redis.info("commandstats");
  let calls = 0;
  let usec = 0;
  for (const command of ["fcall", "evalsha", "eval"]) {
    const match = new RegExp(`cmdstat_${command}:calls=(\\d+),usec=(\\d+)`).exec(info);
    if (match) {
      calls += Number(match[1]);
      usec += Number(match[2]);
    }
  }
  return { calls, usec };
}

/**
 * Redis calls the batch script makes for each of `batches` one-append batches (MONITOR
 * lines from "lua"), and the server time of the script per batch (INFO commandstats).
 */
async function callsPerAppend(context: BenchContext, live: boolean, batches: number): Promise<{ calls: number; usec: number }> {
  const id = context.uniqueId(live ? "calls-live" : "calls");
  const writer = await AgentMemory.open({ redis: context.url, prefix: context.prefix, id, live: false, init: { conversationId: "bench" } });
  const listener = live ? await AgentMemory.open({ redis: context.url, prefix: context.prefix, id }) : undefined;
  // A first append outside the count: creating the instance is not an append.
  writer.messages.push(message(0));
  await writer.$flush();
  // The server time first, without MONITOR (which adds to every command it shows).
  const before = await scriptTime(context);
  for (let i = 1; i <= batches; i++) {
    writer.messages.push(message(i));
    await writer.$flush();
  }
  const after = await scriptTime(context);
  // monitor() opens a connection of its own in MONITOR mode; the client it came from is not needed.
  const source = context.connect();
  const monitor: Redis = await source.monitor();
  source.disconnect();
  let calls = 0;
  let counting = false;
  monitor.on("monitor", (_time: string, _args: string[], source: string) => {
    if (counting && source === "lua") calls++;
  });
  // MONITOR starts streaming asynchronously: a marker command seen on it says it is on.
  await waitForMonitor(context, monitor);
  counting = true;
  for (let i = 1; i <= batches; i++) {
    writer.messages.push(message(i));
    await writer.$flush();
  }
  await waitForMonitor(context, monitor);
  counting = false;
  monitor.disconnect();
  await writer.$delete();
  await writer.$close();
  await listener?.$close();
  // Nothing else runs meanwhile: the script calls timed are these batches'.
  return { calls: calls / batches, usec: (after.usec - before.usec) / Math.max(1, after.calls - before.calls) };
}

async function waitForMonitor(context: BenchContext, monitor: Redis): Promise<void> {
  const marker = `${context.prefix}monitor-marker-${Math.random()}`;
  const seen = new Promise<void>((resolve) => {
    const onLine = (_time: string, args: string[]): void => {
      if (args.includes(marker)) {
        monitor.off("monitor", onLine);
        resolve();
      }
    };
    monitor.on("monitor", onLine);
  });
  for (let tries = 0; tries < 100; tries++) {
    await context.redis.exists(marker);
    const found = await Promise.race([seen.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20))]);
    if (found) return;
  }
  throw new Error("everyday: MONITOR never showed the marker command");
}

async function scriptCalls(context: BenchContext): Promise<Row[]> {
  const batches = context.quick ? 10 : 50;
  context.log(`everyday: Redis calls inside the batch script, ${batches} one-append batches, with and without a live listener`);
  const quiet = await callsPerAppend(context, false, batches);
  const heard = await callsPerAppend(context, true, batches);
  return [
    row({
      id: "script-time-append",
      figure: "server time of the batch script per one-append batch, nobody listening (info)",
      oursLabel: `INFO commandstats usec of FCALL (or its EVAL form) per call, over ${batches} awaited appends`,
      ours: { value: quiet.usec, unit: "us" },
    }),
    row({
      id: "script-calls-append",
      figure: "Redis calls made inside the batch script for a one-append batch, nobody listening",
      oursLabel: `calls from "lua" seen by MONITOR, per batch, over ${batches} awaited appends`,
      ours: { value: quiet.calls, unit: "calls" },
      target: { kind: "ours-at-most", bound: 6, text: "<= 6" },
      designTarget: true,
    }),
    row({
      id: "script-calls-append-live",
      figure: "Redis calls made inside the batch script for a one-append batch, one live listener",
      oursLabel: `calls from "lua" seen by MONITOR, per batch, over ${batches} awaited appends`,
      ours: { value: heard.calls, unit: "calls" },
      target: { kind: "ours-at-most", bound: 9, text: "<= 9" },
      designTarget: true,
    }),
  ];
}

async function conversationLoad(context: BenchContext): Promise<Row[]> {
  const size = context.quick ? 2_000 : 10_000;
  const rounds = context.quick ? 3 : 9;
  const storeRedis = context.connect();
  const id = context.uniqueId("conversation");
  const rawList = `${context.prefix}raw:{conversation}:messages`;
  const messages = Array.from({ length: size }, (_, i) => message(i));
  const writer = await AgentMemory.open({ redis: storeRedis, prefix: context.prefix, id, live: false, init: { conversationId: "bench" } });
  writer.messages = messages;
  await writer.$close();
  for (let i = 0; i < size; i += 1_000) await context.redis.rpush(rawList, ...messages.slice(i, i + 1_000).map((m) => JSON.stringify(m)));

  context.log(`everyday: open a ${size}-message conversation and read every content, ${rounds} rounds`);
  let chars = 0;
  const runs = await interleave(
    [
      {
        name: "ours",
        run: async () => {
          const chat = await AgentMemory.open({ redis: storeRedis, prefix: context.prefix, id, live: false });
          let total = 0;
          for (const m of chat.messages) total += m.content.length;
          chars = total;
          await chat.$close();
        },
      },
      {
        name: "peer",
        run: async () => {
          const texts = await context.redis.lrange(rawList, 0, -1);
          let total = 0;
          for (const text of texts) total += (JSON.parse(text) as Message).content.length;
          chars = total;
        },
      },
    ],
    { rounds, collect: true },
  );
  const expected = messages.reduce((sum, m) => sum + m.content.length, 0);
  if (chars !== expected) throw new Error(`everyday: read ${chars} characters, expected ${expected}`);
  await context.redis.del(rawList);
  const cleanup = await AgentMemory.open({ redis: storeRedis, prefix: context.prefix, id, live: false });
  await cleanup.$delete();
  await cleanup.$close();
  storeRedis.disconnect();
  const ours = runs.get("ours")!.medianMs;
  const peer = runs.get("peer")!.medianMs;
  return [
    row({
      id: "conversation-load",
      figure: `open() of a ${size / 1000}k-message conversation and reading every message's content vs LRANGE + JSON.parse + the same reads`,
      oursLabel: "AgentMemory.open (live: false) + for...of over messages reading .content",
      peerLabel: "LRANGE 0 -1, JSON.parse of each, reading .content",
      ours: { value: ours, unit: "ms" },
      peer: { value: peer, unit: "ms" },
      ratio: ours / peer,
      ratioMeaning: "our time / peer time",
      target: { kind: "ratio-at-most", bound: 2, text: "<= 2x the time" },
      designTarget: true,
    }),
  ];
}
