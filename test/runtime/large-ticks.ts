// Batches of any size, shared by large-ticks.test.ts (a single server) and
// large-ticks.cluster.test.ts (the Cluster): a tick larger than one atomic batch
// (runtime/split.ts, docs/guides/batches.md) leaves as several ordered batches, each one
// bounded script call, also when the server's script cache was flushed.
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

/** The million-value ticks on `name`. */
export function largeTicks(name: string, connect: () => Promise<Target>): void {
  for (const flushed of [false, true]) {
    describe(`a tick larger than one atomic batch, on ${name}${flushed ? ", after SCRIPT FLUSH" : ""}`, () => {
      it("1M values pushed in one tick land whole and in order, in bounded batches", async () => {
        const { redis, owner } = await connect();
        const id = uniqueId("push-1m");
        const mem = await open(redis, id);
        mem.l = [];
        await mem.$flush();
        const raw = await owner(mem.$key);
        const before = await appliedBatches(raw, mem.$key);
        if (flushed) await raw.script("FLUSH");
        for (let i = 0; i < MILLION; i++) mem.l.push(i);
        await mem.$flush();
        const key = await containerKey(raw, mem.$key, ["l"]);
        expect(await raw.llen(key)).toBe(MILLION);
        expect(await raw.lrange(key, 0, 2)).toEqual(["0", "1", "2"]);
        expect(await raw.lrange(key, -2, -1)).toEqual([String(MILLION - 2), String(MILLION - 1)]);
        expect(await appliedBatches(raw, mem.$key)).toBeGreaterThanOrEqual(before + MILLION / BATCH_LIMITS.values);
        const fresh = await open(redis, id);
        expect(fresh.l.length).toBe(MILLION);
        expect(fresh.l[123_456]).toBe(123_456);
      }, LONG);

      it("1M dict keys written in one tick land whole, in bounded batches", async () => {
        const { redis, owner } = await connect();
        const id = uniqueId("dict-1m");
        const mem = await open(redis, id);
        mem.d = {};
        mem.d.first = 0;
        await mem.$flush();
        const raw = await owner(mem.$key);
        const before = await appliedBatches(raw, mem.$key);
        if (flushed) await raw.script("FLUSH");
        const d = mem.d;
        for (let i = 0; i < MILLION; i++) d[`k${i}`] = i;
        await mem.$flush();
        const key = await containerKey(raw, mem.$key, ["d"]);
        expect(await raw.hlen(key)).toBe(MILLION + 1);
        expect(await raw.hmget(key, "k0", "k999999")).toEqual(["0", "999999"]);
        expect(await appliedBatches(raw, mem.$key)).toBeGreaterThanOrEqual(before + MILLION / BATCH_LIMITS.operations);
        const fresh = await open(redis, id);
        expect(Object.keys(fresh.d).length).toBe(MILLION + 1);
        expect(fresh.d.k777777).toBe(777_777);
      }, LONG);
    });
  }
}
