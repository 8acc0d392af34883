// Batches of any size on a single server (the million-value ticks: large-ticks.ts),
// and a transaction over the bound of one atomic batch, refused whole. The ticks run on
// a server of this file's own: their scripts hold a server for tens of milliseconds
// each, for minutes, and SCRIPT FLUSH it, which must not slow or disturb the test files
// running at the same time on the shared server.
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { WriteError } from "redis-memory";
import { BATCH_LIMITS } from "../../runtime/split.js";
import { appliedBatches, containerKey, snapshot } from "../helpers/inspect.js";
import { afterStores, rawClient, redisUrl, uniqueId } from "../helpers/redis.js";
import { privateServer } from "../helpers/servers.js";
import { largeTicks, open, type Mem } from "./large-ticks.js";

let server: Promise<{ url: string; raw: Redis }> | undefined;

largeTicks("a single server", async () => {
  const { url, raw } = await (server ??= privateServer().then(({ url }) => {
    const raw = new Redis(url);
    afterStores(async () => raw.disconnect());
    return { url, raw };
  }));
  return { redis: url, owner: async () => raw };
});

describe("$transaction over the bound of one atomic batch", () => {
  it("is refused whole (WriteError code bound): Redis unchanged, the replica equals Redis again", async () => {
    const id = uniqueId("tx-bound");
    const mem = await open(redisUrl(), id);
    mem.l = [];
    mem.title = "before";
    await mem.$flush();
    const raw = rawClient();
    const before = await snapshot(raw, mem.$key);
    const attempt = mem.$transaction((store) => {
      const s = store as Mem;
      s.title = "inside";
      for (let i = 0; i < BATCH_LIMITS.values + 1; i++) s.l.push(i);
    });
    await expect(attempt).rejects.toBeInstanceOf(WriteError);
    await expect(attempt).rejects.toMatchObject({ code: "bound" });
    await mem.$flush();
    expect(await snapshot(raw, mem.$key)).toEqual(before);
    expect(mem.$asdict()).toEqual({ l: [], title: "before" });
  });

  it("a transaction within the bound applies as one batch", async () => {
    const id = uniqueId("tx-fits");
    const mem = await open(redisUrl(), id);
    mem.l = [];
    await mem.$flush();
    const raw = rawClient();
    const before = await appliedBatches(raw, mem.$key);
    await mem.$transaction((store) => {
      for (let i = 0; i < BATCH_LIMITS.values - 10; i++) (store as Mem).l.push(i);
    });
    expect(await appliedBatches(raw, mem.$key)).toBe(before + 1);
    expect(await raw.llen(await containerKey(raw, mem.$key, ["l"]))).toBe(BATCH_LIMITS.values - 10);
  });
});
