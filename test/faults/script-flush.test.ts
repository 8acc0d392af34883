// Fault tests: the server's script cache is flushed (SCRIPT FLUSH, a restart, a
// failover) while batches are in flight. ioredis answers NOSCRIPT with a resend as
// EVAL, which can leave after later batches of the same client ran: the batches must
// still apply once each, in the client's order.
import { describe, expect, it } from "vitest";
import { FaultProxy, scriptCall } from "../helpers/proxy.js";
import { openApp, orphanKeys, rawClient, redisUrl, uniqueId } from "../helpers/redis.js";
import { containerKey, appliedBatches } from "../helpers/inspect.js";

describe("SCRIPT FLUSH with batches in flight", () => {
  it("two batches of one client, another client reloading the script between them, apply once, in order", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const id = uniqueId("noscript");
    const store = await openApp(id, { redis: proxy.url });
    store.tasks = [];
    await store.$flush();
    const other = await openApp(uniqueId("reloader"));
    const raw = rawClient();
    const appliedBefore = await appliedBatches(raw, store.$key);

    await raw.script("FLUSH");
    proxy.holdReplies(scriptCall);
    // Batch 1 reaches the server and gets NOSCRIPT; the client does not know yet.
    store.tasks.push(1);
    await expect.poll(() => proxy.heldReplies).toBe(1);
    // Another client's batch loads the script again (NOSCRIPT, then EVAL).
    other.title = "reloads the script";
    await other.$flush();
    // Batch 2 finds the script and runs, before batch 1 is resent.
    store.tasks.push(2);
    await expect.poll(() => proxy.heldReplies).toBe(2);
    proxy.releaseReplies();
    await store.$flush();

    expect(await raw.lrange(await containerKey(raw, store.$key, ["tasks"]), 0, -1)).toEqual(["1", "2"]);
    expect(await appliedBatches(raw, store.$key)).toBe(appliedBefore + 2);
    expect(await orphanKeys(raw, store.$key)).toEqual([]);
    expect((await openApp(id)).tasks.aslist()).toEqual([1, 2]);
    expect(store.tasks.aslist()).toEqual([1, 2]);
  });

  it("batches after a flush of the script cache load it again and apply once each", async () => {
    const id = uniqueId("noscript-plain");
    const store = await openApp(id);
    store.tasks = [];
    await store.$flush();
    const raw = rawClient();
    const appliedBefore = await appliedBatches(raw, store.$key);
    await raw.script("FLUSH");
    store.tasks.push(1);
    void store.$incr("counter", 2);
    await new Promise((resolve) => setImmediate(resolve));
    store.tasks.push(2);
    expect(await store.$incr("counter", 3)).toBe(5);
    await store.$flush();

    expect(await raw.lrange(await containerKey(raw, store.$key, ["tasks"]), 0, -1)).toEqual(["1", "2"]);
    expect(await raw.hget(`${store.$key}:root`, "counter")).toBe("5");
    expect(await appliedBatches(raw, store.$key)).toBe(appliedBefore + 2);
    expect(await orphanKeys(raw, store.$key)).toEqual([]);
    expect((await openApp(id)).$asdict()).toEqual(store.$asdict());
  });
});
