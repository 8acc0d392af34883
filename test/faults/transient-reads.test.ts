// $transaction and open() ride out what a batch rides out: a reply later than ioredis'
// commandTimeout, a connection closed under a read. The transaction still applies once,
// open() still loads; what Redis holds afterwards is checked.
import { describe, expect, it } from "vitest";
import { FaultProxy, type RequestMatch } from "../helpers/proxy.js";
import { openApp, rawClient, redisUrl, uniqueId } from "../helpers/redis.js";

const seqRead: RequestMatch = (request) => request.command === "HGET" && request.args[1] === "seq";
const loadExec: RequestMatch = (request) => request.command === "EXEC";

describe("$transaction under transient failures", () => {
  it("rides out its seq read timing out (commandTimeout) and applies once", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const id = uniqueId("txn-timeout");
    const store = await openApp(id, { redis: { host: "127.0.0.1", port: proxy.port, commandTimeout: 150 } });
    store.counter = 1;
    await store.$flush();
    const before = proxy.seen(seqRead).length;
    proxy.delayReplies(400, seqRead);
    const done = store.$transaction((s) => (s.counter = (s.counter ?? 0) + 1));
    // Two reads timed out; then Redis answers in time again.
    await expect.poll(() => proxy.seen(seqRead).length - before, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    proxy.delayReplies(0);
    expect(await done).toBe(2);
    expect(await rawClient().hget(`${store.$key}:root`, "counter")).toBe("2");
  });

  it("rides out the connection closing under its seq read and applies once", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const id = uniqueId("txn-cut");
    const store = await openApp(id, { redis: proxy.url });
    store.counter = 1;
    await store.$flush();
    const cut = proxy.cutAfterRequest(seqRead);
    const done = store.$transaction((s) => (s.counter = (s.counter ?? 0) + 1));
    await cut;
    expect(await done).toBe(2);
    expect(await rawClient().hget(`${store.$key}:root`, "counter")).toBe("2");
  });
});

describe("open() under transient failures", () => {
  it("rides out the connection closing under its load", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const id = uniqueId("open-cut");
    const writer = await openApp(id);
    writer.title = "there";
    await writer.$flush();
    const cut = proxy.cutAfterRequest(loadExec);
    const store = await openApp(id, { redis: proxy.url, connectTimeout: 10_000 });
    await cut;
    expect(store.title).toBe("there");
    expect(await rawClient().hget(`${store.$key}:root`, "title")).toBe('"there"');
  });
});
