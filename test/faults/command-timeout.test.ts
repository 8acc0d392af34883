// Fault tests through a TCP proxy that delays or holds the replies of batches: an
// ioredis `commandTimeout` (or `$flush({ timeout })`) gives up waiting while Redis
// applies the batch. An outcome the client did not learn is learnt by resending,
// never reported as the failure of a batch Redis applied; every batch applies once.
import { describe, expect, it } from "vitest";
import { RedisMemoryError } from "redis-memory";
import { FaultProxy, scriptCall } from "../helpers/proxy.js";
import { openApp, orphanKeys, rawClient, redisUrl, uniqueId } from "../helpers/redis.js";
import { containerKey, appliedBatches } from "../helpers/inspect.js";

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `$flush({ timeout })` of the public contract (typed here until the runtime declares it). */
function flushWithin(store: { $flush(): Promise<void> }, timeout: number): Promise<void> {
  return (store.$flush as (options?: { timeout?: number }) => Promise<void>).call(store, { timeout });
}

describe("replies delayed beyond ioredis commandTimeout", () => {
  it("$flush() does not reject with WriteError for batches Redis applied, and each applies once", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const id = uniqueId("timeout");
    const store = await openApp(id, { redis: { host: "127.0.0.1", port: proxy.port, commandTimeout: 150 } });
    store.tasks = [];
    await store.$flush();
    const raw = rawClient();
    const appliedBefore = await appliedBatches(raw, store.$key);
    const sentBefore = proxy.seen(scriptCall).length;

    proxy.delayReplies(500, scriptCall);
    const flushes: Promise<void>[] = [];
    const errors: Error[] = [];
    store.$on("error", (error) => errors.push(error));
    for (let batch = 0; batch < 10; batch++) {
      store.tasks.push(batch);
      flushes.push(store.$flush());
      await tick();
    }
    // Every batch reached the server (slowly answered); from now on replies are prompt.
    await expect.poll(() => proxy.seen(scriptCall).length - sentBefore).toBeGreaterThanOrEqual(10);
    proxy.delayReplies(0);
    const outcomes = await Promise.allSettled(flushes);
    const rejected = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [String(outcome.reason)] : []));
    expect(rejected).toEqual([]);
    expect(errors.map(String)).toEqual([]);

    const expected = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(await raw.lrange(await containerKey(raw, store.$key, ["tasks"]), 0, -1)).toEqual(expected.map(String));
    expect(await appliedBatches(raw, store.$key)).toBe(appliedBefore + 10);
    expect(await orphanKeys(raw, store.$key)).toEqual([]);
    expect((await openApp(id)).tasks.aslist()).toEqual(expected);
    expect(store.tasks.aslist()).toEqual(expected);
  });
});

describe("$flush({ timeout })", () => {
  it("rejects with FlushTimeoutError while Redis has not answered; the writes stay queued and apply once", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const id = uniqueId("flush-timeout");
    const store = await openApp(id, { redis: proxy.url });
    store.tasks = [];
    await store.$flush();
    const raw = rawClient();
    const appliedBefore = await appliedBatches(raw, store.$key);

    proxy.holdReplies(scriptCall);
    store.tasks.push(1);
    store.title = "held";
    // Replies stay held until released: the guard only turns a missing timeout into a failure
    // rather than a hang, and is long enough that a loaded machine's late timer is no race.
    const guard = new Promise<string>((resolve) => setTimeout(() => resolve("still pending after 30 s"), 30_000).unref());
    const outcome = await Promise.race([flushWithin(store, 100).then(() => "resolved", (error: unknown) => error), guard]);
    proxy.releaseReplies();
    expect(outcome).toBeInstanceOf(RedisMemoryError);
    expect((outcome as Error).name).toBe("FlushTimeoutError");

    await store.$flush();
    expect(await raw.lrange(await containerKey(raw, store.$key, ["tasks"]), 0, -1)).toEqual(["1"]);
    expect(await raw.hget(`${store.$key}:root`, "title")).toBe(JSON.stringify("held"));
    expect(await appliedBatches(raw, store.$key)).toBe(appliedBefore + 1);
    expect(await orphanKeys(raw, store.$key)).toEqual([]);
  });
});
