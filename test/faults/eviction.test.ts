// Fault test: a server with `maxmemory` and `allkeys-lru` evicts some keys of an
// instance. That is reported, never shown as silently emptier data: open() rejects
// with CorruptDataError naming an evicted key, and a live store that writes into an
// evicted container gets its batch refused and an `error` event, with Redis left as
// the eviction left it (no list recreated holding only the new element).
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { CorruptDataError, Memory, RedisMemoryError, type SyncedList } from "redis-memory";
import { instanceKeys } from "../helpers/inspect.js";
import { track, uniqueId } from "../helpers/redis.js";
import { privateServer } from "../helpers/servers.js";

const clients: Redis[] = [];
afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.quit()));
});

function infoNumber(info: string, field: string): number {
  return Number(new RegExp(`^${field}:(\\d+)`, "m").exec(info)?.[1] ?? NaN);
}

const LISTS = 10;

/** A live store of an instance on a fresh server of its own, and the instance's container keys that server evicted. */
async function evictSome(): Promise<{ raw: Redis; live: Awaited<ReturnType<typeof Memory.open>>; server: string; id: string; evicted: string[] }> {
  const server = await privateServer({ config: { "maxmemory-policy": "allkeys-lru", "maxmemory-samples": 64 } });
  const raw = new Redis(server.url);
  clients.push(raw);
  const id = uniqueId("evict");
  const live = track(await Memory.open({ redis: server.url, id, live: true }));
  for (let i = 0; i < LISTS; i++) live[`list${i}`] = Array.from({ length: 20 }, (_, j) => `${i}:${j}:${"x".repeat(100)}`);
  live.title = "kept";
  await live.$flush();
  // Changed in place: each list is a container key of its own (not inline in ns:root).
  for (let i = 0; i < LISTS; i++) (live[`list${i}`] as SyncedList<string>).push(`${i}:20`);
  await live.$flush();
  const keys = await instanceKeys(raw, live.$key);
  const containers = keys.filter((key) => key.includes(":n:"));
  expect(containers.length).toBeGreaterThanOrEqual(LISTS);
  // The instance's containers look idle for long (RESTORE IDLETIME): LRU, sampling nearly every key, takes them first.
  for (const key of containers) {
    const dump = await raw.dumpBuffer(key);
    await raw.restore(key, 0, dump, "REPLACE", "IDLETIME", 1_000_000);
  }
  const used = infoNumber(await raw.info("memory"), "used_memory");
  await raw.config("SET", "maxmemory", String(used + 1_000_000));
  // One filler key at a time, until the first eviction of any key of the instance.
  let evicted: string[] = [];
  for (let round = 0; round < 2_000 && evicted.length === 0; round++) {
    await raw.set(`filler:${round}`, "f".repeat(20_000));
    const exists = await Promise.all(keys.map((key) => raw.exists(key)));
    evicted = keys.filter((_, i) => exists[i] === 0);
  }
  // From here on nothing more is evicted: what follows sees one fixed state. Any command
  // (the EXISTS checks above included) may evict before it runs, so the evicted keys are
  // read again once eviction is off.
  await raw.config("SET", "maxmemory", "0");
  const after = await Promise.all(keys.map((key) => raw.exists(key)));
  evicted = keys.filter((_, i) => after[i] === 0);
  expect(evicted.length).toBeGreaterThan(0);
  expect(infoNumber(await raw.info("stats"), "evicted_keys")).toBeGreaterThan(0);
  return { raw, live, server: server.url, id, evicted };
}

describe("an instance some of whose keys the server evicted (allkeys-lru)", () => {
  it("is refused by open() with CorruptDataError naming an evicted key", async () => {
    const { server, id, evicted } = await evictSome();
    const opened = await Memory.open({ redis: server, id, live: false }).then(
      (store) => track(store),
      (error: unknown) => error,
    );
    expect(opened).toBeInstanceOf(CorruptDataError);
    expect(evicted).toContain((opened as CorruptDataError).key);
  });

  it("is reported by a live store writing into an evicted list, and Redis keeps no list holding only the new element", async () => {
    const { raw, live, evicted } = await evictSome();
    const ns = live.$key;
    const root = await raw.hgetall(`${ns}:root`);
    const field = Object.keys(root).find((name) => evicted.includes(`${ns}:n:${(root[name] ?? "").slice(3)}`));
    expect(field).toBeDefined();
    const errors: Error[] = [];
    live.$on("error", (error) => errors.push(error));
    (live[field!] as SyncedList<string>).push("after eviction");
    const flushed = await live.$flush().then(
      () => "resolved",
      (error: unknown) => error,
    );
    expect(flushed).toBeInstanceOf(RedisMemoryError);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((error) => evicted.some((key) => error.message.includes(key)))).toBe(true);
    expect(await raw.exists(`${ns}:n:${root[field!]!.slice(3)}`)).toBe(0);
  });
});
