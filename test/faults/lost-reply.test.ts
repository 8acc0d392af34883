// Fault tests through a TCP proxy: a batch whose reply is lost (the server applied
// it, the connection dropped), and a connection cut after a batch left, before its
// reply. ioredis resends what was unanswered after the reconnect; exactly-once must
// make that safe: every batch in Redis once, in the client's order, and `$incr`
// resolving to what Redis computed.
import { describe, expect, it } from "vitest";
import { FaultProxy, scriptCall } from "../helpers/proxy.js";
import { openApp, orphanKeys, rawClient, redisUrl, uniqueId } from "../helpers/redis.js";
import { containerKey, appliedBatches } from "../helpers/inspect.js";

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("a batch whose reply was lost", () => {
  it("is applied exactly once after the reconnect", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const id = uniqueId("lost");
    const store = await openApp(id, { redis: proxy.url });
    store.tasks.push(1);
    store.config.theme = "light";
    await store.$flush();
    const raw = rawClient();
    const appliedBefore = await appliedBatches(raw, store.$key);

    const dropped = proxy.dropReply(scriptCall);
    store.tasks.push(2, 3);
    store.config.theme = "dark";
    store.config.lang = "en";
    await store.$flush();
    await dropped;

    const fresh = await openApp(id);
    expect(fresh.$asdict()).toMatchObject({ tasks: [1, 2, 3], config: { theme: "dark", lang: "en" } });
    expect(await raw.lrange(await containerKey(raw, store.$key, ["tasks"]), 0, -1)).toEqual(["1", "2", "3"]);
    // One batch applied once: the resend did not apply it again.
    expect(await appliedBatches(raw, store.$key)).toBe(appliedBefore + 1);
    expect(await orphanKeys(raw, store.$key)).toEqual([]);
    expect(store.$asdict()).toEqual(fresh.$asdict());
    expect(proxy.accepted).toBeGreaterThan(1);
  });

  it("$incr resolves to the value Redis holds, not the local guess", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const id = uniqueId("incr");
    const other = await openApp(id);
    other.counter = 10;
    await other.$flush();
    const store = await openApp(id, { redis: proxy.url });
    expect(store.counter).toBe(10);
    // Another writer increments first: this store's replica still says 10.
    expect(await other.$incr("counter", 5)).toBe(15);

    const dropped = proxy.dropReply(scriptCall);
    const value = store.$incr("counter", 1);
    await dropped;
    expect(await value).toBe(16);
    await store.$flush();
    expect(await rawClient().hget(`${store.$key}:root`, "counter")).toBe("16");
    expect(store.counter).toBe(16);
    expect((await openApp(id)).counter).toBe(16);
  });

  it("several batches in flight when the reply of the first is lost all apply once, in order", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const id = uniqueId("lost-many");
    const store = await openApp(id, { redis: proxy.url });
    store.tasks = [];
    await store.$flush();
    const raw = rawClient();
    const appliedBefore = await appliedBatches(raw, store.$key);

    const dropped = proxy.dropReply(scriptCall);
    for (let batch = 0; batch < 5; batch++) {
      store.tasks.push(batch * 10, batch * 10 + 1);
      await tick();
    }
    await store.$flush();
    await dropped;

    const expected = [0, 1, 10, 11, 20, 21, 30, 31, 40, 41];
    expect((await openApp(id)).tasks.aslist()).toEqual(expected);
    expect(await raw.lrange(await containerKey(raw, store.$key, ["tasks"]), 0, -1)).toEqual(expected.map(String));
    expect(await appliedBatches(raw, store.$key)).toBe(appliedBefore + 5);
    expect(await orphanKeys(raw, store.$key)).toEqual([]);
    expect(store.tasks.aslist()).toEqual(expected);
  });
});

describe("a connection cut after a batch left, before its reply", () => {
  it("applies the batch exactly once", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const id = uniqueId("cut");
    const store = await openApp(id, { redis: proxy.url });
    store.tasks = [1];
    await store.$flush();
    const raw = rawClient();
    const appliedBefore = await appliedBatches(raw, store.$key);

    const cut = proxy.cutAfterRequest(scriptCall);
    store.tasks.push(2);
    store.title = "cut";
    void store.$incr("counter", 3);
    await store.$flush();
    await cut;

    const fresh = await openApp(id);
    expect(fresh.$asdict()).toMatchObject({ tasks: [1, 2], title: "cut", counter: 3 });
    expect(await raw.lrange(await containerKey(raw, store.$key, ["tasks"]), 0, -1)).toEqual(["1", "2"]);
    expect(await appliedBatches(raw, store.$key)).toBe(appliedBefore + 1);
    expect(await orphanKeys(raw, store.$key)).toEqual([]);
    expect(store.$asdict()).toEqual(fresh.$asdict());
  });

  it("cut between the batches of a pipeline: the one sent and the ones behind it apply once, in order", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const id = uniqueId("cut-mid");
    const store = await openApp(id, { redis: proxy.url });
    store.tasks = [];
    await store.$flush();
    const raw = rawClient();
    const appliedBefore = await appliedBatches(raw, store.$key);

    let calls = 0;
    // The second batch of the run reaches the server; the third and later never leave on that connection.
    const cut = proxy.cutAfterRequest((request) => scriptCall(request) && ++calls === 2);
    for (let batch = 0; batch < 4; batch++) {
      store.tasks.push(batch);
      await tick();
    }
    await store.$flush();
    await cut;

    expect((await openApp(id)).tasks.aslist()).toEqual([0, 1, 2, 3]);
    expect(await raw.lrange(await containerKey(raw, store.$key, ["tasks"]), 0, -1)).toEqual(["0", "1", "2", "3"]);
    expect(await appliedBatches(raw, store.$key)).toBe(appliedBefore + 4);
    expect(await orphanKeys(raw, store.$key)).toEqual([]);
  });
});
