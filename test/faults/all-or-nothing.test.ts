// WriteError means nothing of the batch was applied, whatever Redis holds and whoever
// calls: the batch script clears every argument, key type, ns:meta counter and ACL
// permission before its first write. Each case makes a batch whose first write would
// succeed and whose later part cannot, and asserts that Redis holds exactly what it held
// before, and that the instance still opens.
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { CorruptDataError, Memory, WriteError } from "redis-memory";
import { Backend, LOG_DEFAULTS, type Batch } from "../../runtime/backend.js";
import type { Op } from "../../runtime/ops.js";
import { snapshot } from "../helpers/inspect.js";
import { openMemory, rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";
import { privateServer, tenantUser, TENANT_COMMANDS } from "../helpers/servers.js";

type Mem = Memory & Record<string, any>;

/** An instance with a list `l` [1..5], a dict `d` {a: 1, b: 2} (both containers) and a number `n`. */
async function instance(url = redisUrl(), label = "aon"): Promise<{ id: string; ns: string; list: string; dict: string; epoch: string }> {
  const id = uniqueId(label);
  const mem = track(await Memory.open({ redis: url, id, live: false })) as Mem;
  mem.l = [];
  mem.l.push(1, 2, 3, 4, 5);
  mem.d = {};
  mem.d.a = 1;
  mem.d.b = 2;
  mem.n = 1;
  await mem.$flush();
  const raw = new Redis(url);
  try {
    const root = await raw.hgetall(`${mem.$key}:root`);
    return { id, ns: mem.$key, list: root.l!.slice(3), dict: root.d!.slice(3), epoch: (await raw.hget(`${mem.$key}:meta`, "epoch"))! };
  } finally {
    await raw.quit();
  }
}

const DATA = { l: [1, 2, 3, 4, 5], d: { a: 1, b: 2 }, n: 1 };

async function reopened(id: string, url = redisUrl()): Promise<unknown> {
  const mem = track(await Memory.open({ redis: url, id, live: false }));
  return mem.$asdict();
}

function batch(ns: string, epoch: string, ops: unknown[], keys: string[], clientId = "aon-test"): Batch {
  return { ns, clientId, seq: 1, prev: 0, epoch, newEpoch: "", ops: ops as Op[], keys, schemaHash: "", log: LOG_DEFAULTS, ttl: 0, readAt: "", ownSubscriptions: -1, acked: 0 };
}

describe("batch arguments the script refuses before writing", () => {
  const title: unknown[] = ["set", "", "title", JSON.stringify("written first")];
  const cases: [string, (list: string, dict: string) => unknown[]][] = [
    ["a fractional index", (list) => ["lset", list, 1.5, "9"]],
    ["an index given as text", (list) => ["lset", list, "1", "9"]],
    ["a non-canonical index text", (list) => ["lset", list, "01", "9"]],
    ["a negative index", (list) => ["lset", list, -1, "9"]],
    ["an index past the end", (list) => ["lset", list, 5, "9"]],
    ["a huge index", (list) => ["lset", list, 1e300, "9"]],
    ["a fractional splice start", (list) => ["splice", list, 0.5, 1, []]],
    ["a splice start past the end", (list) => ["splice", list, 6, 0, ["1"]]],
    ["a fractional pop count", (list) => ["pop", list, 1.5]],
    ["a negative shift count", (list) => ["shift", list, -2]],
    ["a written value that is not text", (_list, dict) => ["set", dict, "x", 1]],
    ["a promoted content that is not text", (list) => ["promote", list, 0, "newContainer001", "l", "0".repeat(40), [1]]],
    ["a fractional promote index", (list) => ["promote", list, 0.5, "newContainer001", "d", "0".repeat(40), []]],
    ["a promote by field of a list", (list) => ["promote", list, "0", "newContainer001", "d", "0".repeat(40), []]],
    ["an increment that is not a number", (_list, dict) => ["incr", dict, "a", "1"]],
    ["an increment to infinity", (_list, dict) => ["incr", dict, "a", 1e308 * 10]],
    ["a list op on a dict", (_list, dict) => ["push", dict, ["1"]]],
    ["a dict op on a list", (list) => ["set", list, "x", "1"]],
    ["an operation with no container", () => ["set"]],
    ["a container id that is not an id", () => ["set", "x:y", "f", "1"]],
    ["an unknown operation", (list) => ["frobnicate", list]],
  ];
  for (const [name, make] of cases) {
    it(`${name}: WriteError, Redis unchanged`, async () => {
      const { ns, list, dict, epoch } = await instance();
      const raw = rawClient();
      const before = await snapshot(raw, ns);
      const backend = new Backend(raw);
      await expect(backend.apply(batch(ns, epoch, [title, make(list, dict)], [list, dict, "newContainer001"]))).rejects.toThrow(WriteError);
      expect(await snapshot(raw, ns)).toEqual(before);
    });
  }
});

describe("a batch of no operations", () => {
  it("is applied as a no-op (its seq counts), nothing else written", async () => {
    const { ns, list, dict, epoch } = await instance();
    const raw = rawClient();
    // The containers: everything but the bookkeeping (ns:meta) and the log.
    const containers = async (): Promise<Record<string, unknown>> =>
      Object.fromEntries(Object.entries(await snapshot(raw, ns)).filter(([key]) => key !== `${ns}:meta` && key !== `${ns}:log`));
    const before = await containers();
    const seq = Number(await raw.hget(`${ns}:meta`, "seq"));
    const outcome = await new Backend(raw).apply(batch(ns, epoch, [], [list, dict], "aon-empty"));
    expect(outcome.kind).toBe("applied");
    expect(await raw.hget(`${ns}:meta`, "c:aon-empty")).toBe("1");
    expect(Number(await raw.hget(`${ns}:meta`, "seq"))).toBe(seq + 1);
    expect(await containers()).toEqual(before);
  });
});

describe("hostile ns:meta and log keys", () => {
  const hostile: [string, (raw: Redis, ns: string) => Promise<unknown>][] = [
    ["seq too large to increment", (raw, ns) => raw.hset(`${ns}:meta`, "seq", "99999999999999999999999")],
    ["seq not an integer", (raw, ns) => raw.hset(`${ns}:meta`, "seq", "1.5")],
    ["seq negative", (raw, ns) => raw.hset(`${ns}:meta`, "seq", "-3")],
    ["seq with leading zeros", (raw, ns) => raw.hset(`${ns}:meta`, "seq", "007")],
  ];
  for (const [name, corrupt] of hostile) {
    it(`${name}: a batch is a WriteError (corrupt) and writes nothing; open() is a CorruptDataError`, async () => {
      const { id, ns } = await instance();
      const mem = await openMemory(id);
      const raw = rawClient();
      await corrupt(raw, ns);
      const before = await snapshot(raw, ns);
      mem.title = "written first";
      mem.l.push(6);
      const error = await mem.$flush().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WriteError);
      expect((error as WriteError).code).toBe("corrupt");
      expect(await snapshot(raw, ns)).toEqual(before);
      await expect(Memory.open({ redis: redisUrl(), id, live: false })).rejects.toBeInstanceOf(CorruptDataError);
    });
  }

  it("a client marker that is not a counter: WriteError, nothing written", async () => {
    const { ns, list, epoch } = await instance();
    const raw = rawClient();
    await raw.hset(`${ns}:meta`, "c:aon-test", "1e400");
    const before = await snapshot(raw, ns);
    await expect(new Backend(raw).apply(batch(ns, epoch, [["push", list, ["6"]]], [list]))).rejects.toThrow(WriteError);
    expect(await snapshot(raw, ns)).toEqual(before);
  });

  it("remembered results that are not JSON: WriteError, nothing written", async () => {
    const { ns, list, epoch } = await instance();
    const raw = rawClient();
    await raw.hset(`${ns}:meta`, "r:aon-test", "{not json");
    const before = await snapshot(raw, ns);
    await expect(new Backend(raw).apply(batch(ns, epoch, [["push", list, ["6"]]], [list]))).rejects.toThrow(WriteError);
    expect(await snapshot(raw, ns)).toEqual(before);
  });

  it("ns:meta of the wrong type: a batch is a WriteError (corrupt) and writes nothing; open() is a CorruptDataError", async () => {
    const { id, ns } = await instance();
    const mem = await openMemory(id);
    const raw = rawClient();
    await raw.del(`${ns}:meta`);
    await raw.sadd(`${ns}:meta`, "x");
    const before = await snapshot(raw, ns);
    mem.title = "written first";
    const error = await mem.$flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe("corrupt");
    expect(await snapshot(raw, ns)).toEqual(before);
    await expect(Memory.open({ redis: redisUrl(), id, live: false })).rejects.toBeInstanceOf(CorruptDataError);
  });

  it("ns:log of the wrong type: a batch is a WriteError (corrupt) and writes nothing", async () => {
    const { id, ns } = await instance();
    const mem = await openMemory(id);
    const raw = rawClient();
    await raw.set(`${ns}:log`, "not a stream");
    const before = await snapshot(raw, ns);
    mem.title = "written first";
    const error = await mem.$flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe("corrupt");
    expect(await snapshot(raw, ns)).toEqual(before);
  });

  it("a field $incr would overflow: WriteError, nothing written", async () => {
    const { id, ns } = await instance();
    const mem = await openMemory(id);
    const raw = rawClient();
    await raw.hset(`${ns}:root`, "n", "99999999999999999999999e300");
    const before = await snapshot(raw, ns);
    mem.title = "written first";
    const increment = mem.$incr("n", 1e300).catch((e: unknown) => e);
    const error = await mem.$flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect(await increment).toBeInstanceOf(WriteError);
    expect(await snapshot(raw, ns)).toEqual(before);
  });
});

describe("an ACL user lacking one command the batch script runs", () => {
  let server: Promise<{ url: string; admin: Redis }> | undefined;
  /** One private server for these cases (ACL users are made per case). */
  const shared = (): Promise<{ url: string; admin: Redis }> =>
    (server ??= privateServer().then(({ url }) => ({ url, admin: new Redis(url) })));
  afterAll(async () => {
    if (server) await (await server).admin.quit();
  });
  // Each batch writes a root field first, then needs the command.
  const cases: [command: string, write: (mem: Mem) => void, options?: { ttl?: number }][] = [
    ["rpush", (mem) => mem.l.push(6)],
    ["lpush", (mem) => mem.l.unshift(0)],
    ["lset", (mem) => { mem.l[1] = 9; }],
    ["rpop", (mem) => mem.l.pop()],
    ["lpop", (mem) => mem.l.shift()],
    ["ltrim", (mem) => mem.l.splice(2, 1)],
    ["del", (mem) => mem.d.clear()],
    ["hdel", (mem) => { delete mem.d.a; }],
    ["hset", (mem) => { mem.d.a = 5; }],
    ["hincrby", (mem) => void mem.$incr("n", 1).catch(() => undefined)],
    ["exists", () => undefined],
    ["xadd", () => undefined],
    ["xtrim", () => undefined],
    ["publish", () => undefined],
    ["pexpire", () => undefined],
    ["pexpireat", () => undefined, { ttl: 60_000 }],
  ];
  for (const [command, write, options] of cases) {
    it(`-${command}: WriteError, Redis unchanged, the instance still opens`, async () => {
      const { url, admin } = await shared();
      const { id, ns } = await instance(url, `acl-${command}`);
      const tenant = await tenantUser(url, [ns], [...TENANT_COMMANDS, "+time", `-${command}`]);
      const mem = track(await Memory.open({ redis: tenant.url, id, live: false, ...options })) as Mem;
      const before = await snapshot(admin, ns);
      mem.title = "written first";
      write(mem);
      const error = await mem.$flush().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WriteError);
      expect((error as Error).message).toMatch(new RegExp(`NOPERM|${command}`, "i"));
      expect(await snapshot(admin, ns)).toEqual(before);
      expect(await reopened(id, url)).toEqual(DATA);
    });
  }
});
