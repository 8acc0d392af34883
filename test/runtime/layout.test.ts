// The Redis layout (README, "Redis layout"): hash-tagged namespace, objects and arrays
// inline as JSON until a write changes one in place (then one key per container),
// references, no orphans, one script call per batch, coalesced appends.
import { describe, expect, it } from "vitest";
import { containerKey } from "../helpers/inspect.js";
import { Redis } from "ioredis";
import { dumpInstance, openApp, openMemory, orphanKeys, rawClient, uniqueId } from "../helpers/redis.js";
import { privateServer } from "../helpers/servers.js";

async function scanKeys(pattern: string): Promise<string[]> {
  const redis = rawClient();
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys.sort();
}

const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, "\\$&");

/** Calls of `name` so far on the server `redis` talks to (counts are server-wide). */
async function commandCalls(redis: Redis, name: string): Promise<number> {
  const info = await redis.info("commandstats");
  const match = new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info);
  return match ? Number(match[1]) : 0;
}

describe("Redis layout", () => {
  it("keeps an instance under <prefix>{<Store>:<id>} with root, meta, log and one key per container", async () => {
    const id = uniqueId();
    const app = await openApp(id, { prefix: "lay:" });
    // A live replica listens: the batches are logged for it to catch up from.
    await openApp(id, { prefix: "lay:", live: true });
    app.tasks.push(1, 2);
    app.config.theme = "dark";
    await app.$flush();
    expect(app.$key).toBe(`lay:{App:${id}}`);
    const keys = await scanKeys(`${escapeGlob(app.$key)}:*`);
    const names = keys.map((k) => k.slice(app.$key.length));
    expect(names).toContain(":root");
    expect(names).toContain(":meta");
    expect(names).toContain(":log");
    // tasks and config were changed in place: containers of their own. The other
    // defaults (data, complex) stay inline in the root hash, as JSON text.
    expect(names.filter((n) => n.startsWith(":n:"))).toHaveLength(2);
    expect(JSON.parse((await rawClient().hget(`${app.$key}:root`, "complex"))!)).toEqual({ users: [], settings: { notifications: {} } });
    const root = await rawClient().hgetall(`${app.$key}:root`);
    expect(root.tasks).toMatch(/^@l:[0-9A-Za-z]{12,}$/);
    expect(root.config).toMatch(/^@d:[0-9A-Za-z]{12,}$/);
    const tasks = await rawClient().lrange(`${app.$key}:n:${root.tasks!.slice(3)}`, 0, -1);
    expect(tasks).toEqual(["1", "2"]);
  });

  it("keeps log entries only while another replica listens (the log is for catching up)", async () => {
    const id = uniqueId();
    const raw = rawClient();
    const log = (ns: string): string => `${ns}:log`;
    // A live store alone: its own subscription does not count, and nobody else hears its batches.
    const alone = await openApp(id, { live: true });
    alone.tasks.push(1);
    await alone.$flush();
    expect(await raw.lrange(await containerKey(raw, alone.$key, ["tasks"]), 0, -1)).toEqual(["1"]);
    // The entry was added and trimmed: the stream orders batches by id and keeps none.
    expect(await raw.type(log(alone.$key))).toBe("stream");
    expect(await raw.xlen(log(alone.$key))).toBe(0);
    expect(Number(await raw.memory("USAGE", log(alone.$key)))).toBeLessThan(1_000);

    const reader = await openApp(id, { live: true });
    alone.tasks.push(2);
    await alone.$flush();
    expect(await raw.xlen(log(alone.$key))).toBe(1);
    await reader.$close();

    // The reader is gone: the next batch leaves the log empty again.
    alone.tasks.push(3);
    await alone.$flush();
    expect(await raw.xlen(log(alone.$key))).toBe(0);
    expect((await openApp(id)).tasks.aslist()).toEqual([1, 2, 3]);
  });

  it("leaves no orphaned node keys after nested containers are replaced and removed", async () => {
    const mem = await openMemory(uniqueId());
    mem.a = { b: [{ c: { d: [1, [2, { e: 3 }]] } }], f: { g: [4] } };
    mem.list = [[1, [2]], { x: { y: [3] } }, 5];
    await mem.$flush();
    mem.a.b[0].c = { replaced: [[1]] };
    mem.a.f = null;
    mem.list[1] = 7;
    mem.list.splice(0, 1);
    mem.list.push({ z: [[9]] });
    mem.list.pop();
    delete mem.a.b;
    mem.tmp = [[[1]]];
    mem.tmp = 1;
    await mem.$flush();
    const keys = await scanKeys(`${escapeGlob(mem.$key)}:n:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(await orphanKeys(rawClient(), mem.$key)).toEqual([]);
    expect(mem.$asdict()).toEqual({ a: { f: null }, list: [7, 5], tmp: 1 });
    mem.a = 0;
    mem.list = 0;
    await mem.$flush();
    expect(await scanKeys(`${escapeGlob(mem.$key)}:n:*`)).toEqual([]);
  });

  it("$delete removes every key of the instance", async () => {
    const mem = await openMemory(uniqueId());
    mem.a = { b: [[1]] };
    await mem.$flush();
    await mem.$delete();
    expect(await scanKeys(`${escapeGlob(mem.$key)}*`)).toEqual([]);
    expect(mem.$asdict()).toEqual({});
  });

  it("sends 10,000 pushes made in one synchronous loop as a handful of script calls", async () => {
    // A server of this test only: other test files running at once would add to its counts.
    const { url } = await privateServer();
    const raw = new Redis(url);
    try {
      const mem = await openMemory(uniqueId(), { redis: url });
      mem.items = [];
      await mem.$flush();
      const scriptCalls = async (): Promise<number> => (await commandCalls(raw, "fcall")) + (await commandCalls(raw, "evalsha")) + (await commandCalls(raw, "eval"));
      const before = await scriptCalls();
      const rpushBefore = await commandCalls(raw, "rpush");
      for (let i = 0; i < 10_000; i++) mem.items.push(i);
      await mem.$flush();
      const scripts = (await scriptCalls()) - before;
      expect(scripts).toBeGreaterThanOrEqual(1);
      expect(scripts).toBeLessThanOrEqual(3);
      // Inside the script the appends go out as a few RPUSH calls of many values each.
      expect((await commandCalls(raw, "rpush")) - rpushBefore).toBeLessThan(10);
      expect(await raw.llen(`${mem.$key}:n:${(await raw.hget(`${mem.$key}:root`, "items"))!.slice(3)}`)).toBe(10_000);
    } finally {
      raw.disconnect();
    }
  });

  it("applies the writes of one synchronous run atomically: a refused batch changes nothing in Redis", async () => {
    const mem = await openMemory(uniqueId());
    mem.list = [1, 2];
    mem.list.push(3);
    mem.d = {};
    mem.d.k = 1;
    await mem.$flush();
    const redis = rawClient();
    const before = await dumpInstance(redis, mem.$key);
    // Another writer turns the list into a string behind this replica's back.
    const listKey = `${mem.$key}:n:${(await redis.hget(`${mem.$key}:root`, "list"))!.slice(3)}`;
    const listBefore = await redis.lrange(listKey, 0, -1);
    await redis.del(listKey);
    await redis.set(listKey, "garbage");
    mem.d.k = 2;
    mem.list.push(4);
    await expect(mem.$flush()).rejects.toThrow(/holds a string/);
    expect(await redis.hget(`${mem.$key}:n:${(await redis.hget(`${mem.$key}:root`, "d"))!.slice(3)}`, "k")).toBe("1");
    await redis.del(listKey);
    await redis.rpush(listKey, ...listBefore);
    expect(await dumpInstance(redis, mem.$key)).toEqual(before);
  });
});
