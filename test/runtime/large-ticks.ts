// Batches of any size, shared by large-ticks.test.ts (a single server) and
// large-ticks.cluster.test.ts (the Cluster): a tick larger than one atomic batch
// (runtime/split.ts, docs/guides/batches.md) leaves as several ordered batches, each one
// bounded script call, also when the server's script cache was flushed.
//
// A million values per property, once: each million-value tick runs after SCRIPT FLUSH,
// so its first window of batches in flight takes the NOSCRIPT path (resent as EVAL) and
// every later batch the cached script; one tick checks both at that scale (they are most
// of the suite's time). A tick of a few batches checks the path with the script cached
// from the start.
import type { Cluster, Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { Memory } from "redis-memory";
import { BATCH_LIMITS } from "../../runtime/split.js";
import { appliedBatches, containerKey } from "../helpers/inspect.js";
import { track, uniqueId } from "../helpers/redis.js";

const MILLION = 1_000_000;
const LONG = 600_000;

export type Mem = Memory & Record<string, any>;

export async function open(redis: string | Cluster, id: string): Promise<Mem> {
  // Loading 1M values on a busy machine takes longer than the default connectTimeout.
  return track(await Memory.open({ redis, id, live: false, connectTimeout: 120_000 })) as Mem;
}

/** Where the ticks go: a URL or a Cluster client, and the client of the node that holds an instance's keys. */
export interface Target {
  readonly redis: string | Cluster;
  owner(ns: string): Promise<Redis>;
}

/** Pushes `count` values onto a list in one tick; checks Redis, the batch count and a fresh open. */
async function pushTick(target: Target, count: number, flushScripts: boolean): Promise<void> {
  const { redis, owner } = target;
  const id = uniqueId("push-tick");
  const mem = await open(redis, id);
  mem.l = [];
  await mem.$flush();
  const raw = await owner(mem.$key);
  const before = await appliedBatches(raw, mem.$key);
  if (flushScripts) await raw.script("FLUSH");
  for (let i = 0; i < count; i++) mem.l.push(i);
  await mem.$flush();
  const key = await containerKey(raw, mem.$key, ["l"]);
  expect(await raw.llen(key)).toBe(count);
  expect(await raw.lrange(key, 0, 2)).toEqual(["0", "1", "2"]);
  expect(await raw.lrange(key, -2, -1)).toEqual([String(count - 2), String(count - 1)]);
  expect(await appliedBatches(raw, mem.$key)).toBeGreaterThanOrEqual(before + count / BATCH_LIMITS.values);
  const fresh = await open(redis, id);
  expect(fresh.l.length).toBe(count);
  expect(fresh.l[count >> 3]).toBe(count >> 3);
  expect(fresh.l[count - 1]).toBe(count - 1);
}

/** Writes `count` new dict keys in one tick; checks Redis, the batch count and a fresh open. */
async function dictTick(target: Target, count: number, flushScripts: boolean): Promise<void> {
  const { redis, owner } = target;
  const id = uniqueId("dict-tick");
  const mem = await open(redis, id);
  mem.d = {};
  mem.d.first = 0;
  await mem.$flush();
  const raw = await owner(mem.$key);
  const before = await appliedBatches(raw, mem.$key);
  if (flushScripts) await raw.script("FLUSH");
  const d = mem.d;
  for (let i = 0; i < count; i++) d[`k${i}`] = i;
  await mem.$flush();
  const key = await containerKey(raw, mem.$key, ["d"]);
  expect(await raw.hlen(key)).toBe(count + 1);
  expect(await raw.hmget(key, "k0", `k${count - 1}`)).toEqual(["0", String(count - 1)]);
  expect(await appliedBatches(raw, mem.$key)).toBeGreaterThanOrEqual(before + count / BATCH_LIMITS.operations);
  const fresh = await open(redis, id);
  expect(Object.keys(fresh.d).length).toBe(count + 1);
  expect(fresh.d[`k${Math.floor(count * 0.777)}`]).toBe(Math.floor(count * 0.777));
  expect(fresh.d[`k${count - 1}`]).toBe(count - 1);
}

/** The million-value ticks on `name`. */
export function largeTicks(name: string, connect: () => Promise<Target>): void {
  describe(`a tick larger than one atomic batch, on ${name}`, () => {
    it("1M values pushed in one tick after SCRIPT FLUSH land whole and in order, in bounded batches", async () => {
      await pushTick(await connect(), MILLION, true);
    }, LONG);

    it("1M dict keys written in one tick after SCRIPT FLUSH land whole, in bounded batches", async () => {
      await dictTick(await connect(), MILLION, true);
    }, LONG);

    it("ticks of a few batches, the script cached, land whole: values in order, dict keys", async () => {
      const target = await connect();
      await pushTick(target, 2 * BATCH_LIMITS.values + 1, false);
      await dictTick(target, 2 * BATCH_LIMITS.operations + 1, false);
    });
  });
}
